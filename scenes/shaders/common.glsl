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
uniform sampler2D u_sky_lut;  // the sky-view table (see sky_view), filled by the renderer
uniform int u_sky_lut_pass;   // 1 while the renderer fills that table with this shader

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

// Angle (radians) one pixel spans along the view ray; set in main() where derivatives are defined,
// so scenes can filter their detail to the pixel footprint inside branches.
float pixel_angle;

// Width on a horizontal surface at distance t seen along rd covered by one pixel (the long axis).
float ground_footprint(float t, vec3 rd) {
    return t * pixel_angle / max(abs(rd.y), 0.03);
}

// fbm of ``octaves`` octaves, each fading out once its wavelength nears two pixel footprints ``fw``
// (same units as p): band-limited detail, so there is no shimmer or smear where the ground recedes.
float fbm_filtered(vec2 p, float fw, int octaves) {
    float sum = 0.0;
    float amp = 0.5;
    float freq = 1.0;
    for (int i = 0; i < octaves; i++) {
        float keep = 1.0 - smoothstep(0.2, 0.5, fw * freq);
        sum += amp * mix(0.5, noise(p), keep);
        p = mat2(1.6, 1.2, -1.2, 1.6) * p + vec2(1.7, 9.2);  // rotate each octave: no lattice streaks
        freq *= 2.0;
        amp *= 0.5;
    }
    return sum;
}

// Grass 22 cm tall as eight shells of blades over the ground point the ray meets at distance tg:
// one tapered blade per 3.5 cm cell, rooted at a random spot, of random height, leaning with the
// wind. Returns (coverage, mean height fraction of the blades seen); real geometry, so both eyes
// agree, and it fades out where a cell gets smaller than about two pixels.
vec2 grass_blades(vec3 ro, vec3 rd, float footprint) {
    const float HEIGHT = 0.22;
    const float CELL = 0.035;
    const int SHELLS = 8;
    float detail = 1.0 - smoothstep(0.2, 0.5, footprint / CELL);
    if (detail <= 0.0 || rd.y > -0.05) return vec2(0.0);
    float cover = 0.0;
    float rise_sum = 0.0;
    float aa = 0.5 * footprint / CELL + 0.02;
    for (int i = 0; i < SHELLS; i++) {
        float h = HEIGHT * (1.0 - (float(i) + 0.5) / float(SHELLS));
        vec2 q = (ro.xz + rd.xz * ((h - ro.y) / rd.y)) / CELL;
        vec2 cell = floor(q);
        float rise = h / (HEIGHT * (0.35 + 0.65 * hash12(cell)));
        if (rise >= 1.0) continue;
        vec2 root = 0.25 + 0.5 * vec2(hash12(cell + 17.0), hash12(cell + 41.0));
        float sway = 0.08 + 0.17 * u_motion * (0.5 + 0.5 * sin(u_flow * 1.6 + dot(cell, vec2(0.21, 0.27))));
        vec2 lean = vec2(0.6, 0.8) * rise * rise * sway;
        float width = 0.42 * (1.0 - rise);
        float hit = smoothstep(width + aa, width - aa, length(fract(q) - root - lean)) * (1.0 - cover);
        rise_sum += hit * rise;
        cover += hit;
    }
    return vec2(cover * detail, rise_sum / max(cover, 1e-4));
}

// ---- Atmosphere: single scattering in a spherical atmosphere with exponential Rayleigh and Mie
// layers and an ozone term (Nishita-style, a few samples per ray). The sun's optical length uses
// Schüler's Chapman approximation, which stays finite for a sun just below the horizon, so the
// same model gives the afternoon blue, the golden hour and the twilight glow.
const float EARTH_R = 6360.0e3;
const float ATMOS_TOP = 60.0e3;
const float H_R = 8000.0;
const float H_M = 1200.0;
const vec3 BETA_R = vec3(5.8e-6, 13.5e-6, 33.1e-6);
const vec3 BETA_O = vec3(0.65e-6, 1.88e-6, 0.085e-6) * 1.9;  // ozone absorption, per Rayleigh column
const float BETA_M = 8.0e-6;
const float SUN_E = 20.0;

// Metres of sea-level-density air from height h towards a direction with cos zenith mu.
float chapman(float h, float mu, float scale) {
    float X = EARTH_R / scale;
    float x = h / scale;
    float c = sqrt(X + x);
    if (mu >= 0.0) return scale * c / (c * mu + 1.0) * exp(-x);
    float x0 = sqrt(1.0 - mu * mu) * (X + x);
    return scale * (2.0 * sqrt(x0) * exp(min(X - x0, 80.0)) - c / (1.0 - c * mu) * exp(-x));
}

// Haze grows with the fog parameter, so the sky and the distance fog agree.
float mie_beta() {
    return BETA_M * (1.0 + 3.0 * u_fog);
}

// Transmittance of sunlight from height h (metres) for a sun whose direction has cos zenith mu.
vec3 sun_transmittance(float h, float mu) {
    return exp(-(BETA_R + BETA_O) * chapman(h, mu, H_R) - 1.1 * mie_beta() * chapman(h, mu, H_M));
}

// Sky radiance seen from the ground along rd (below the horizon: the horizon's), ``steps`` samples.
vec3 atmosphere(vec3 rd, vec3 sun, int steps) {
    float mu = max(rd.y, 0.0);
    float dist = -EARTH_R * mu + sqrt(EARTH_R * EARTH_R * mu * mu + ATMOS_TOP * (2.0 * EARTH_R + ATMOS_TOP));
    float nu = dot(rd, sun);
    float beta_m = mie_beta();
    vec3 in_r = vec3(0.0);
    vec3 in_m = vec3(0.0);
    float od_r = 0.0;
    float od_m = 0.0;
    float prev = 0.0;
    for (int i = 0; i < steps; i++) {
        float f = (float(i) + 0.5) / float(steps);
        float s = dist * f * f;
        float ds = dist * 2.0 * f / float(steps);
        float h = s * mu + s * s * (1.0 - mu * mu) / (2.0 * EARTH_R);
        float d_r = exp(-h / H_R);
        float d_m = exp(-h / H_M);
        od_r += d_r * (s - prev);
        od_m += d_m * (s - prev);
        prev = s;
        float mu_s = (EARTH_R * sun.y + s * nu) / (EARTH_R + h);
        vec3 tau = (BETA_R + BETA_O) * (od_r + chapman(h, mu_s, H_R)) + 1.1 * beta_m * (od_m + chapman(h, mu_s, H_M));
        vec3 tr = exp(-tau);
        in_r += tr * d_r * ds;
        in_m += tr * d_m * ds;
    }
    float phase_r = 3.0 / (16.0 * PI) * (1.0 + nu * nu);
    const float g = 0.76;
    float phase_m = 3.0 / (8.0 * PI) * (1.0 - g * g) * (1.0 + nu * nu)
        / ((2.0 + g * g) * pow(1.0 + g * g - 2.0 * g * nu, 1.5));
    // a little multiple scattering: a share of the sky's own light, uniform over the dome
    vec3 multi = 0.08 * SUN_E * BETA_R * H_R * sun_transmittance(0.0, max(sun.y, 0.0)) * smoothstep(-0.1, 0.1, sun.y);
    return SUN_E * (in_r * BETA_R * phase_r + in_m * beta_m * phase_m) + multi;
}

// The sun's disc with limb darkening, in the colour the atmosphere leaves it.
vec3 sun_disc(vec3 rd, vec3 sun, float radius) {
    float c = dot(rd, sun);
    if (c < 1.0 - 2.0 * radius * radius) return vec3(0.0);  // more than two radii away
    float r = sqrt(max(1.0 - c * c, 0.0)) / radius;
    float aa = pixel_angle / radius + 0.02;
    float disc = 1.0 - smoothstep(1.0 - aa, 1.0 + aa, r);
    float limb = 0.6 + 0.4 * sqrt(max(1.0 - r * r, 0.0));
    return disc * limb * step(0.0, c) * 40.0 * SUN_E * sun_transmittance(0.0, sun.y);
}

// ---- Sky-view table (after Hillaire 2020): the atmosphere is computed into a small table once
// whenever the sun or the haze changes, shared by both eyes, and looked up per pixel. Columns run
// over the azimuth from the sun's (0) to opposite it (single scattering is symmetric about the
// sun's vertical plane), rows over the elevation as sqrt(elevation / 90°), dense at the horizon
// where the sky changes fastest. Below the horizon the horizon's row is used.
const vec2 SKY_LUT_SIZE = vec2(64.0, 48.0);  // must match scenes/renderer.py

// Implemented by each scene: the light source its sky is lit by (the sun, or the moon at night).
vec3 sky_sun();

// Sky radiance towards rd from the table (what atmosphere(rd, sky_sun(), …) gives).
vec3 sky_view(vec3 rd) {
    vec3 sun = sky_sun();
    vec2 h = rd.xz / max(length(rd.xz), 1e-6);
    vec2 s = sun.xz / max(length(sun.xz), 1e-6);
    float u = acos(clamp(dot(h, s), -1.0, 1.0)) / PI;
    float v = sqrt(asin(clamp(rd.y, 0.0, 1.0)) / (0.5 * PI));
    vec2 texel = (0.5 + vec2(u, v) * (SKY_LUT_SIZE - 1.0)) / SKY_LUT_SIZE;
    return texture(u_sky_lut, texel).rgb;
}

// One texel of the table, for the fragment at gl_FragCoord (the renderer's table pass).
vec3 sky_view_texel() {
    vec2 uv = (gl_FragCoord.xy - 0.5) / (SKY_LUT_SIZE - 1.0);
    float az = uv.x * PI;
    float el = uv.y * uv.y * 0.5 * PI;
    vec3 sun = sky_sun();
    vec2 s = sun.xz / max(length(sun.xz), 1e-6);
    vec2 d = vec2(s.x * cos(az) - s.y * sin(az), s.x * sin(az) + s.y * cos(az));
    return atmosphere(vec3(d * cos(el), sin(el)).xzy, sun, 8);
}

// Light falling on the ground from the whole sky (an upward surface), from the same model.
vec3 sky_ambient(vec3 sun) {
    return 1.3 * PI * sky_view(normalize(vec3(sun.x, 0.6, sun.z)));
}

// Fog colour towards rd: the sky just above the horizon in that azimuth (aerial perspective).
vec3 horizon_haze(vec3 rd, vec3 sun) {
    return sky_view(normalize(vec3(rd.x, 0.03, rd.z)));
}

// ---- Water: `waves` unaligned waves (golden-angle directions, deep-water speeds), each faded out once its
// wavelength falls below about three pixel footprints; the removed slope variance is returned so the
// highlight can widen instead of glittering (Bruneton et al. 2010).
vec3 water_normal(vec2 p, float footprint, float amp, int waves, out float slope_var) {
    vec2 g = vec2(0.0);
    slope_var = 0.0;
    float wavelength = 3.2;
    float gust = 0.55 + 0.9 * noise(p * 0.07 + vec2(u_flow * 0.03, 0.0));
    for (int i = 0; i < waves; i++) {
        float angle = float(i) * 2.39996 + 0.4;
        vec2 dir = vec2(cos(angle), sin(angle));
        float k = 2.0 * PI / wavelength;
        float slope = amp * 0.16 * gust * pow(wavelength / 3.2, 0.25);
        float keep = clamp(wavelength / (3.0 * footprint) - 1.0, 0.0, 1.0);
        float phase = dot(p, dir) * k + u_flow * sqrt(9.81 * k) * 0.6 + float(i) * 1.7;
        g += dir * slope * keep * cos(phase);
        slope_var += 0.5 * slope * slope * (1.0 - keep);
        wavelength *= 0.63;
    }
    return normalize(vec3(-g.x, 1.0, -g.y));
}

// Schlick's Fresnel for water (F0 = 0.02).
float water_fresnel(vec3 rd, vec3 n) {
    return 0.02 + 0.98 * pow(1.0 - max(dot(-rd, n), 0.0), 5.0);
}

// GGX highlight of a light in direction l on a surface with normal n and roughness alpha.
float ggx_highlight(vec3 rd, vec3 n, vec3 l, float alpha) {
    vec3 h = normalize(l - rd);
    float nh = max(dot(n, h), 0.0);
    float a2 = alpha * alpha;
    float d = nh * nh * (a2 - 1.0) + 1.0;
    return a2 / (PI * d * d) * 0.25 / max(dot(n, -rd), 0.05);
}

// A shoreline that wanders: depth of the shore (z) at x, from two band-limited noise layers.
float shore_z(float x, float base) {
    return base + 2.4 * (fbm(vec2(x * 0.06, 0.5)) - 0.5) + 0.5 * (noise(vec2(x * 0.45, 2.0)) - 0.5);
}

// Glowing motes (fireflies, sparks) at fixed 3-D positions that drift: a real depth in stereo.
vec3 motes(vec3 ro, vec3 rd, float scene_t, float amount, vec3 colour, vec3 centre, vec3 extent) {
    vec3 sum = vec3(0.0);
    // rays that miss the swarm's box (with room for drift and glow) see none of it
    vec3 inv = 1.0 / (rd + vec3(equal(rd, vec3(0.0))) * 1e-6);
    vec3 t0 = (centre - 0.5 * extent - 0.8 - ro) * inv;
    vec3 t1 = (centre + 0.5 * extent + 0.8 - ro) * inv;
    vec3 near = min(t0, t1);
    vec3 far = max(t0, t1);
    float enter = max(max(near.x, near.y), max(near.z, 0.0));
    float leave = min(min(far.x, far.y), far.z);
    if (leave < enter || enter > scene_t) return sum;
    float count = amount * 24.0;  // the last mote fades in and out: no popping as amount eases
    for (int i = 0; i < 24; i++) {
        float fi = float(i);
        if (fi >= count) break;
        vec3 h = vec3(hash12(vec2(fi, 1.3)), hash12(vec2(fi, 7.1)), hash12(vec2(fi, 3.7)));
        vec3 p = centre + (h - 0.5) * extent;
        p += 0.35 * vec3(sin(u_flow * 0.31 + fi), sin(u_flow * 0.23 + fi * 1.7), cos(u_flow * 0.27 + fi * 2.3));
        vec3 oc = p - ro;
        float t = dot(oc, rd);
        if (t <= 0.0 || t > scene_t) continue;
        float d = length(oc - t * rd) / t;            // angular distance in radians
        if (d > 0.08) continue;                       // its glow has faded below 0.2 %
        float twinkle = 0.7 + 0.3 * sin(u_time * (1.0 + h.x) + fi * 4.0);
        float share = min(count - fi, 1.0);
        sum += colour * share * twinkle * (exp(-d * d * 1.2e4) * 3.0 + exp(-d * 70.0) * 0.3);
    }
    return sum;
}

// The breathing guide: a soft glowing orb 1.8 m ahead that rises with inhale, falls with exhale.
float breath(float phase) {
    return 0.5 - 0.5 * cos(2.0 * PI * phase);
}

// Implemented by each scene: the guide's colour at breath b (0 exhaled, 1 inhaled), so that it
// keeps its contrast against the scene (a glow at dusk, a vermilion dot on paper).
vec3 pacer_colour(float b);

// The usual guide: a glow from cool blue to warm gold with warmth, brighter on the inhale.
vec3 glowing_pacer(float b) {
    return mix(vec3(0.55, 0.85, 1.0), vec3(1.0, 0.82, 0.55), u_warmth) * (3.0 + 0.8 * b);
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
    vec3 glow = pacer_colour(b);
    float core = smoothstep(r, r * 0.55, d);
    float halo = exp(-max(d - r * 0.55, 0.0) / (r * 1.1)) * 0.5;
    // against a bright background (sunlit water) a soft shade just outside the orb keeps it readable
    float bright = smoothstep(0.8, 2.5, dot(col, vec3(0.2126, 0.7152, 0.0722)));
    float rim = exp(-pow((d - r) / (0.6 * r), 2.0)) * (1.0 - core);
    col *= 1.0 - 0.35 * bright * rim * u_pacer_visible;
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
    if (u_sky_lut_pass == 1) {
        frag_color = vec4(sky_view_texel(), 1.0);
        return;
    }
    vec3 rd = view_ray();
    pixel_angle = max(length(dFdx(rd)), length(dFdy(rd)));
    float t;
    vec3 col = scene(u_eye, rd, t);
    col = apply_pacer(col, u_eye, rd, t);
    // ±½ LSB of dither so that slow dusk gradients do not band in 8 bits
    frag_color = vec4(grade(col) + (hash12(gl_FragCoord.xy) - 0.5) / 255.0, 1.0);
}
