#version 330 core
// Shared header of every scene: uniforms, the per-pixel world ray, noise, the breathing pacer,
// fog and colour grading. Scenes are ray-cast in world space (metres, floor at y = 0, seated eyes
// at about 1.2 m), so any view and projection matrices — each eye of a headset — are correct.
out vec4 frag_color;

uniform mat4 u_inv_view_proj;
uniform vec3 u_eye;
uniform vec4 u_viewport;      // x, y, width, height in pixels
uniform float u_time;         // seconds
uniform float u_flow;         // time integrated at the speed set by motion and calm
uniform float u_calm;
uniform float u_light;
uniform float u_warmth;
uniform float u_fog;
uniform float u_motion;
uniform float u_particles;
uniform float u_pacer_phase;
uniform float u_pacer_visible;
uniform float u_extra;        // the scene's own parameter

const float PI = 3.14159265;
const float FAR = 1.0e6;

vec3 view_ray() {
    vec2 ndc = (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw * 2.0 - 1.0;
    vec4 p = u_inv_view_proj * vec4(ndc, 0.5, 1.0);
    return normalize(p.xyz / p.w - u_eye);
}

float hash12(vec2 p) {
    vec3 p3 = fract(vec3(p.xyx) * 0.1031);
    p3 += dot(p3, p3.yzx + 33.33);
    return fract((p3.x + p3.y) * p3.z);
}

float hash13(vec3 p3) {
    p3 = fract(p3 * 0.1031);
    p3 += dot(p3, p3.zyx + 31.32);
    return fract((p3.x + p3.y) * p3.z);
}

float noise(vec2 p) {
    vec2 i = floor(p);
    vec2 f = fract(p);
    vec2 u = f * f * (3.0 - 2.0 * f);
    return mix(mix(hash12(i), hash12(i + vec2(1.0, 0.0)), u.x),
               mix(hash12(i + vec2(0.0, 1.0)), hash12(i + vec2(1.0, 1.0)), u.x), u.y);
}

float fbm(vec2 p) {
    float sum = 0.0;
    float amp = 0.5;
    for (int i = 0; i < 4; i++) {
        sum += amp * noise(p);
        p = p * 2.03 + vec2(1.7, 9.2);
        amp *= 0.5;
    }
    return sum;
}

// Distance along the ray to the plane y = h (FAR when it is not hit in front).
float plane_hit(vec3 ro, vec3 rd, float h) {
    if (abs(rd.y) < 1e-5) return FAR;
    float t = (h - ro.y) / rd.y;
    return t > 0.0 ? t : FAR;
}

// Silhouette height (as sin of elevation) of distant hills around the horizon.
float hills(vec3 rd, float scale) {
    float az = atan(rd.x, -rd.z);
    return scale * (0.35 + 0.65 * fbm(vec2(az * 2.5, 3.1)));
}

// A normal for water with waves whose height follows motion; detail fades with distance.
vec3 water_normal(vec2 p, float dist, float amp) {
    float fade = 1.0 / (1.0 + dist * 0.08);
    vec2 g = vec2(0.0);
    g += 0.50 * vec2(0.8, 0.6) * cos(dot(p, vec2(0.8, 0.6)) * 1.3 + u_flow * 1.1);
    g += 0.30 * vec2(-0.5, 0.9) * cos(dot(p, vec2(-0.5, 0.9)) * 2.3 + u_flow * 1.7);
    g += 0.20 * vec2(0.95, -0.3) * cos(dot(p, vec2(0.95, -0.3)) * 3.7 + u_flow * 2.3);
    g += 0.25 * (vec2(noise(p * 2.0 + u_flow * 0.6), noise(p * 2.0 + 7.3 - u_flow * 0.5)) - 0.5);
    return normalize(vec3(-g.x * amp * fade, 1.0, -g.y * amp * fade));
}

// Glowing motes (fireflies, sparks) at fixed 3-D positions that drift: a real depth in stereo.
vec3 motes(vec3 ro, vec3 rd, float scene_t, float amount, vec3 colour, vec3 centre, vec3 extent) {
    vec3 sum = vec3(0.0);
    int count = int(amount * 24.0 + 0.5);
    for (int i = 0; i < 24; i++) {
        if (i >= count) break;
        float fi = float(i);
        vec3 h = vec3(hash12(vec2(fi, 1.3)), hash12(vec2(fi, 7.1)), hash12(vec2(fi, 3.7)));
        vec3 p = centre + (h - 0.5) * extent;
        p += 0.35 * vec3(sin(u_flow * 0.31 + fi), sin(u_flow * 0.23 + fi * 1.7), cos(u_flow * 0.27 + fi * 2.3));
        vec3 oc = p - ro;
        float t = dot(oc, rd);
        if (t <= 0.0 || t > scene_t) continue;
        float d = length(oc - t * rd) / t;            // angular distance in radians
        float twinkle = 0.7 + 0.3 * sin(u_time * (1.0 + h.x) + fi * 4.0);
        sum += colour * twinkle * (exp(-d * d * 1.2e4) * 3.0 + exp(-d * 70.0) * 0.3);
    }
    return sum;
}

// The breathing guide: a soft glowing orb 1.8 m ahead that rises with inhale, falls with exhale.
float breath(float phase) {
    return 0.5 - 0.5 * cos(2.0 * PI * phase);
}

vec3 pacer_centre() {
    return vec3(0.0, 1.05 + 0.28 * breath(u_pacer_phase), -1.8);
}

vec3 apply_pacer(vec3 col, vec3 ro, vec3 rd, float scene_t) {
    if (u_pacer_visible <= 0.001) return col;
    float b = breath(u_pacer_phase);
    vec3 c = pacer_centre();
    float r = 0.07 + 0.025 * b;
    vec3 oc = c - ro;
    float t = dot(oc, rd);
    if (t <= 0.0 || t > scene_t) return col;
    float d = length(oc - t * rd);
    vec3 glow = mix(vec3(0.55, 0.85, 1.0), vec3(1.0, 0.82, 0.55), u_warmth) * (1.1 + 0.5 * b);
    float core = smoothstep(r, r * 0.55, d);
    float halo = exp(-max(d - r * 0.55, 0.0) / (r * 1.1)) * 0.5;
    col = mix(col, glow, core * u_pacer_visible);
    return col + glow * halo * u_pacer_visible * (1.0 - core);
}

// Distance fog towards the colour of the haze.
vec3 apply_fog(vec3 col, float t, vec3 fog_col) {
    float density = mix(0.002, 0.09, u_fog * u_fog);
    float amount = 1.0 - exp(-min(t, 2000.0) * density);
    return mix(col, fog_col, amount);
}

// Exposure (light), colour temperature (warmth), tone mapping, softness (calm) and gamma.
vec3 grade(vec3 c) {
    c *= mix(vec3(0.72, 0.9, 1.25), vec3(1.3, 0.95, 0.62), u_warmth);
    c *= mix(0.25, 1.8, u_light);
    c = c / (1.0 + c);
    c = pow(c, vec3(1.0 / 2.2));
    c = mix(c, c * c * (3.0 - 2.0 * c), 0.6);  // gentle S-curve: deeper shadows, clear mid-tones
    float luma = dot(c, vec3(0.2126, 0.7152, 0.0722));
    c = mix(c, vec3(luma), 0.15 * u_calm);
    return clamp(c, 0.0, 1.0);
}

// Implemented by each scene: the colour seen along the ray, and its distance (FAR for the sky).
vec3 scene(vec3 ro, vec3 rd, out float t);

void main() {
    vec3 rd = view_ray();
    float t;
    vec3 col = scene(u_eye, rd, t);
    col = apply_pacer(col, u_eye, rd, t);
    frag_color = vec4(grade(col), 1.0);
}
