// Lakeside: a grassy bank around the seated user, a lake whose shoreline wanders, two ranges of
// hills on the far shore, thin high clouds and fireflies, all lit by one atmosphere model: the
// sun, the sky, the ambient light, the haze and the water's reflection come from the same
// single-scattering sky, so sun_height = 1 is a clear afternoon and pink appears only at low sun.
// u_extra = sun_height.

const float SHORE = -3.0;  // the lake begins about three metres ahead

vec3 sun_dir() {
    float elevation = radians(-0.3 + 40.3 * pow(u_extra, 2.0));
    const float azimuth = 0.35;
    return vec3(sin(azimuth) * cos(elevation), sin(elevation), -cos(azimuth) * cos(elevation));
}

// The eye adapts: a dusk scene is exposed longer than an afternoon one.
float exposure(vec3 sun) {
    return mix(1.0, 0.4, smoothstep(0.0, 0.3, sun.y));
}

// Sunlight reaching the ground, as irradiance on a surface facing the sun (set once per pixel).
vec3 sun_light;

vec3 sunlight(vec3 sun) {
    return SUN_E * sun_transmittance(0.0, sun.y) * smoothstep(-0.01, 0.02, sun.y);
}

// Ridge line (sin of elevation) of a range of hills by azimuth.
float ridge(float azimuth, float scale, float freq, float seed) {
    return scale * (0.3 + 0.7 * fbm(vec2(azimuth * freq + seed, seed * 3.1)));
}

// Thin high clouds catching the sun's colour.
vec3 clouds(vec3 rd, vec3 sky, vec3 sun, vec3 ambient) {
    if (rd.y < 0.01) return sky;
    vec2 uv = rd.xz / (rd.y + 0.08);
    float cover = smoothstep(0.55, 0.85, fbm(uv * 0.6 + vec2(u_flow * 0.01, 0.0)));
    float forward = 0.3 + 2.0 * pow(max(dot(rd, sun), 0.0), 8.0);
    vec3 lit = 0.1 * (sun_light * forward + ambient);
    return mix(sky, lit, cover * 0.6 * smoothstep(0.01, 0.12, rd.y));
}

// Everything beyond the lake seen along rd: the sky, the sun and the hills on the far shore (their
// edge softened by ``blur`` radians in the water's reflection).
vec3 far_view(vec3 rd, vec3 sun, vec3 haze, vec3 ambient, float blur) {
    vec3 col = clouds(rd, sky_view(rd) + sun_disc(rd, sun, 0.012), sun, ambient);
    if (rd.y > 0.075 + blur) return col;  // above the highest hill
    float azimuth = atan(rd.x, -rd.z);
    float far_hills = ridge(azimuth, 0.07, 2.2, 1.0);
    float near_hills = ridge(azimuth, 0.045, 4.5, 5.0) - 0.008;
    float edge = pixel_angle + blur + 1e-4;
    vec3 lit = vec3(0.04, 0.06, 0.05) * (sun_light * max(sun.y, 0.0) + ambient) / PI;
    col = mix(col, mix(lit, haze, 0.6), smoothstep(edge, -edge, rd.y - far_hills));
    col = mix(col, mix(lit * 0.6, haze, 0.3), smoothstep(edge, -edge, rd.y - near_hills));
    return col;
}

// The grassy bank: shell blades near the viewer over band-limited ground (which carries the blades'
// average colour further away), a gust rolling across, wet soil at the water.
vec3 bank(vec3 ro, vec3 rd, vec3 p, float footprint, float wet, vec3 sun, vec3 ambient) {
    float patches = fbm_filtered(p.xz * 0.45, footprint * 0.45, 3);
    float tufts = fbm_filtered(p.xz * 4.0, footprint * 4.0, 4);
    vec3 albedo = mix(vec3(0.035, 0.07, 0.02), vec3(0.11, 0.12, 0.04), patches) * (0.6 + 0.8 * tufts);
    float gust = sin(dot(p.xz, vec2(0.6, 0.8)) * 0.7 - u_flow * 1.6);
    albedo *= 1.0 + 0.12 * u_motion * gust;
    vec2 blades = grass_blades(ro, rd, footprint) * (1.0 - wet);
    vec3 blade = albedo * mix(0.45, 1.5, blades.y) * vec3(1.0, 1.08, 0.9);
    albedo = mix(albedo * mix(1.0, 0.55, 1.0 - smoothstep(0.2, 0.5, footprint / 0.035)), blade, blades.x);
    albedo = mix(albedo, vec3(0.045, 0.04, 0.03), wet);
    vec3 irradiance = sun_light * max(sun.y, 0.0) + ambient;
    return albedo * irradiance / PI;
}

// The lake at point p: Fresnel mix of the far view and the water body, a GGX sun highlight whose
// roughness carries the filtered-out ripples, and the shallow bottom showing through near the bank.
vec3 lake(vec3 rd, vec3 p, float footprint, float depth, vec3 sun, vec3 haze, vec3 ambient) {
    float amp = mix(0.08, 1.0, u_motion);
    float slope_var;
    vec3 n = water_normal(p.xz, footprint, amp, 7, slope_var);
    vec3 r = reflect(rd, n);
    r.y = max(abs(r.y), 0.002);
    float fresnel = water_fresnel(rd, n);
    vec3 body = mix(vec3(0.05, 0.045, 0.03), vec3(0.01, 0.025, 0.03), smoothstep(0.0, 1.5, depth)) * ambient;
    // the ripples blur what the water mirrors: the hills' edge softens instead of breaking into rings
    float blur = 0.02 * amp + sqrt(slope_var);
    vec3 col = mix(body, far_view(r, sun, haze, ambient, blur), fresnel);
    float alpha = clamp(0.03 + 0.08 * amp + sqrt(slope_var), 0.03, 0.6);
    col += sun_light * fresnel * ggx_highlight(rd, n, sun, alpha) * 0.35;
    return col;
}

// ---- Reeds: a clump of thin stems with seed heads at the water's edge ahead to the right, bending
// with the wind; thinner than a pixel far away, they keep their share of the pixel instead of
// flickering. Lit by the sun from behind at the golden hour (light through the leaves).
const int REEDS = 10;

vec4 reed(int i, float shore) {  // root x, z, height, stem radius (around the shore line's z)
    float f = float(i);
    vec2 h = vec2(hash12(vec2(f, 11.0)), hash12(vec2(f, 23.0)));
    float x = 1.4 + 1.8 * h.x;
    return vec4(x, shore + 0.35 - 0.7 * h.y, 0.9 + 0.7 * hash12(vec2(f, 31.0)), 0.005 + 0.003 * h.y);
}

float reed_bend(int i, float y) {
    float gust = 0.12 + 0.25 * u_motion * (0.5 + 0.5 * sin(u_flow * 1.3 + float(i) * 0.8));
    return gust * y * y * 0.35;
}

// Coverage of the reeds along the ray and the distance of the nearest one it meets (FAR if none).
float reeds(vec3 ro, vec3 rd, out float hit_t, out float head) {
    hit_t = FAR;
    head = 0.0;
    float cover = 0.0;
    float a = dot(rd.xz, rd.xz);
    float shore = shore_z(2.3, SHORE);
    for (int i = 0; i < REEDS; i++) {
        vec4 r = reed(i, shore);
        vec2 c = r.xy;
        float t = dot(c - ro.xz, rd.xz) / a;
        float y = ro.y + rd.y * t;
        c.x += reed_bend(i, y);
        t = dot(c - ro.xz, rd.xz) / a;
        y = ro.y + rd.y * t;
        if (t <= 0.0 || t >= hit_t || y < 0.0 || y > r.z + 0.12) continue;
        float top = smoothstep(r.z - 0.16, r.z - 0.12, y) * (1.0 - smoothstep(r.z, r.z + 0.1, y));
        float radius = r.w * (1.0 - 0.6 * y / r.z) + 0.012 * top;
        float aa = t * pixel_angle;
        float width = max(radius, aa);
        float d = length(ro.xz + rd.xz * t - c);
        float c_i = smoothstep(width + 0.5 * aa, width - 0.5 * aa, d) * min(radius / aa, 1.0);
        if (c_i > 0.0) {
            cover = c_i;
            hit_t = t;
            head = top;
        }
    }
    return cover;
}

vec3 scene(vec3 ro, vec3 rd, out float t) {
    vec3 sun = sun_dir();
    sun_light = sunlight(sun);
    vec3 ambient = sky_ambient(sun);
    vec3 haze = horizon_haze(rd, sun);
    haze /= 1.0 + 0.15 * max(haze.r, max(haze.g, haze.b));  // the sun's haze peak, softened for fog
    vec3 col;
    float tg = plane_hit(ro, rd, 0.0);
    if (tg < 3000.0) {
        t = tg;
        vec3 p = ro + rd * t;
        float footprint = ground_footprint(t, rd);
        float from_shore = p.z - shore_z(p.x, SHORE);
        float soft = max(0.06, footprint);
        float lap = 0.05 * sin(u_flow * 0.9 + p.x * 0.3);
        float land_share = smoothstep(-soft, soft, from_shore - lap);
        col = vec3(0.0);  // each side is shaded only where it shows
        if (land_share < 1.0) col += (1.0 - land_share) * lake(rd, p, footprint, -from_shore, sun, haze, ambient);
        if (land_share > 0.0) {
            float wet = smoothstep(0.5, 0.0, from_shore);
            col += land_share * bank(ro, rd, p, footprint, wet, sun, ambient);
        }
        col = mix(col, haze, 1.0 - exp(-t * (0.0003 + 0.06 * u_fog * u_fog)));  // aerial perspective
    } else {
        t = FAR;
        col = far_view(rd, sun, haze, ambient, 0.0);
        col = mix(col, haze, u_fog * u_fog * 0.85 * (1.0 - smoothstep(0.0, 0.35, rd.y)));
    }
    float az = rd.x / max(-rd.z, 1e-3);
    if (rd.z < 0.0 && az > 0.3 && az < 1.4 && rd.y > -0.4 && rd.y < 0.15) {
        float tr;
        float head;
        float cover = reeds(ro, rd, tr, head);
        if (tr < t) {
            vec3 albedo = mix(vec3(0.09, 0.1, 0.04), vec3(0.16, 0.1, 0.05), head);
            float through = pow(max(dot(rd, sun), 0.0), 6.0);
            vec3 lit = albedo * (sun_light * (0.35 * max(sun.y, 0.0) + 0.25 * through) + ambient) / PI;
            col = mix(col, lit, cover);
            t = mix(t, tr, step(0.5, cover));
        }
    }
    // fireflies in two swarms: over the water ahead and along the bank
    vec3 firefly = vec3(1.0, 0.75, 0.4);
    col += motes(ro, rd, t, u_particles, firefly, vec3(0.0, 0.9, -9.0), vec3(14.0, 1.4, 10.0));
    col += motes(ro, rd, t, u_particles * 0.5, firefly, vec3(-2.0, 0.6, -2.5), vec3(8.0, 0.8, 3.0));
    return col * exposure(sun);
}

vec3 sky_sun() {
    return sun_dir();
}

vec3 pacer_colour(float b) {
    return glowing_pacer(b);
}
