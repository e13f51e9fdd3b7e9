// Night: a moonlit sky from the same atmosphere model as the day (scaled to moonlight), point-like
// stars with a magnitude distribution, a moon, aurora curtains, a dark meadow and a lake that
// mirrors all of it softly; the shoreline wanders and water and grass meet without a hard line.
// particles sets how faint the faintest visible star is (how many stars), u_extra = aurora.

const float MOONLIGHT = 0.05;   // moonlight relative to sunlight, after the eye's adaptation
const int STAR_CELLS = 48;      // stars per cube-face edge: 6 × 48² ≈ 13800 stars in all
const float FAINTEST = 6.5;     // magnitude of the faintest star in the catalogue

vec3 moon_dir() {
    return normalize(vec3(-0.55, 0.42, -1.0));
}

// The point on the cube face `axis` (0 x, 1 y, 2 z) with sign `sgn` at uv in [-1, 1]².
vec3 cube_point(int axis, float sgn, vec2 uv) {
    if (axis == 0) return vec3(sgn, uv);
    if (axis == 1) return vec3(uv.x, sgn, uv.y);
    return vec3(uv, sgn);
}

// One star per cube-map cell, its magnitude drawn so that counts roughly triple per magnitude;
// drawn as a Gaussian splat about a pixel wide (wider by ``blur``, same flux), with a gentle
// twinkle that grows towards the horizon. Only stars brighter than the limit set by particles show.
vec3 stars(vec3 rd, float blur) {
    vec3 a = abs(rd);
    int axis = a.x >= a.y && a.x >= a.z ? 0 : (a.y >= a.z ? 1 : 2);
    float major = axis == 0 ? rd.x : (axis == 1 ? rd.y : rd.z);
    vec2 uv = (axis == 0 ? rd.yz : (axis == 1 ? rd.xz : rd.xy)) / abs(major);
    float sgn = sign(major);
    vec2 grid = (uv * 0.5 + 0.5) * float(STAR_CELLS);
    vec2 base = floor(grid - 0.5);
    float limit = mix(3.8, FAINTEST, u_particles);
    float sigma = 0.7 * pixel_angle + blur;
    float energy = pixel_angle * pixel_angle / (sigma * sigma);
    vec3 sum = vec3(0.0);
    for (int k = 0; k < 4; k++) {
        vec2 cell = base + vec2(float(k & 1), float(k >> 1));
        vec3 seed = vec3(cell, float(axis) * 2.0 + sgn);
        float h = hash13(seed + 0.37);
        float magnitude = FAINTEST + log(max(h, 1e-4)) / log(3.0);
        float visible = smoothstep(limit + 0.3, limit - 0.3, magnitude);
        if (visible <= 0.0) continue;
        vec2 jitter = 0.2 + 0.6 * vec2(hash13(seed + 1.7), hash13(seed + 5.3));
        vec3 dir = normalize(cube_point(axis, sgn, (cell + jitter) / float(STAR_CELLS) * 2.0 - 1.0));
        float d = length(rd - dir);
        float flux = pow(10.0, -0.4 * magnitude) * visible;
        float tone = hash13(seed + 9.1);
        float twinkle = 1.0 + (0.08 + 0.3 * (1.0 - smoothstep(0.0, 0.35, dir.y))) * sin(u_time * (2.0 + 5.0 * tone) + h * 60.0);
        vec3 tint = mix(vec3(0.7, 0.82, 1.0), vec3(1.0, 0.84, 0.62), tone);
        sum += tint * flux * twinkle * energy * 9.0 * exp(-0.5 * d * d / (sigma * sigma));
    }
    float extinction = exp(-0.25 / max(rd.y + 0.03, 0.03));
    return sum * extinction * step(0.0, rd.y);
}

// The moon: a disc with darker maria and limb darkening, and the glow around it.
vec3 moon(vec3 rd) {
    vec3 m = moon_dir();
    float c = dot(rd, m);
    const float radius = 0.03;
    float r = sqrt(max(1.0 - c * c, 0.0)) / radius;
    float disc = (1.0 - smoothstep(1.0 - pixel_angle / radius, 1.0 + pixel_angle / radius, r)) * step(0.0, c);
    vec3 side = normalize(cross(m, vec3(0.0, 1.0, 0.0)));
    vec2 uv = vec2(dot(rd - m, side), dot(rd - m, cross(side, m))) / radius;
    float maria = smoothstep(0.4, 0.65, fbm(uv * 1.3 + 4.0));
    float limb = 0.75 + 0.25 * sqrt(max(1.0 - r * r, 0.0));
    vec3 surface = vec3(1.0, 0.97, 0.9) * limb * (1.0 - 0.5 * maria) * 2.2;
    return surface * disc + vec3(0.5, 0.6, 0.8) * 0.06 * exp(-max(r - 1.0, 0.0) * 0.6) * (1.0 - disc);
}

vec3 aurora(vec3 rd) {
    if (rd.y <= 0.0) return vec3(0.0);
    vec2 uv = rd.xz / (rd.y + 0.15);
    float wave = uv.x * 0.35 + 0.6 * sin(uv.x * 0.5 + u_flow * 0.08) + 0.3 * fbm(uv * 0.4 + u_flow * 0.03);
    float band = exp(-pow((uv.y + 2.2 + 0.5 * sin(wave)) * 0.9, 2.0));
    float rays = 0.55 + 0.45 * fbm(vec2(uv.x * 3.0 + u_flow * 0.05, 0.0));
    float h = smoothstep(0.02, 0.25, rd.y);
    vec3 c = mix(vec3(0.1, 1.0, 0.45), vec3(0.55, 0.25, 0.9), smoothstep(0.15, 0.6, rd.y));
    return c * band * rays * h * u_extra * 1.2;
}

// The sky above the far shore's hills: moonlit atmosphere, stars, moon, aurora and thin clouds.
vec3 night_sky(vec3 rd, float star_blur) {
    vec3 m = moon_dir();
    vec3 col = sky_view(rd) * MOONLIGHT + vec3(0.004, 0.006, 0.012);
    vec2 uv = rd.xz / (max(rd.y, 0.0) + 0.1);
    float clouds = smoothstep(0.5, 0.8, fbm(uv * 0.5 + vec2(u_flow * 0.02, u_flow * 0.01))) * smoothstep(0.0, 0.1, rd.y);
    col += (stars(rd, star_blur) + aurora(rd)) * (1.0 - 0.8 * clouds) + moon(rd) * (1.0 - 0.5 * clouds);
    col += vec3(0.03, 0.035, 0.05) * clouds;
    float h = hills(rd, 0.035);
    float edge = pixel_angle + star_blur + 1e-4;
    return mix(col, vec3(0.006, 0.008, 0.014), smoothstep(edge, -edge, rd.y - h));
}

// The lake: Fresnel mirror of the night sky, stars softened by the ripples, the moon's path.
vec3 night_lake(vec3 rd, vec3 p, float footprint) {
    float amp = mix(0.05, 0.6, u_motion);
    float slope_var;
    vec3 n = water_normal(p.xz, footprint, amp, 7, slope_var);
    vec3 r = reflect(rd, n);
    r.y = max(r.y, 0.002);
    float fresnel = water_fresnel(rd, n);
    vec3 mirrored = night_sky(r, sqrt(slope_var) * 0.5 + 0.004 * amp);
    vec3 col = mix(vec3(0.002, 0.004, 0.008), mirrored, fresnel);
    float alpha = clamp(0.04 + 0.08 * amp + sqrt(slope_var), 0.04, 0.6);
    return col + vec3(1.0, 0.97, 0.9) * 0.4 * fresnel * ggx_highlight(rd, n, moon_dir(), alpha);
}

// The meadow around the user under moonlight: shell blades near the feet, band-limited beyond.
vec3 meadow(vec3 ro, vec3 rd, vec3 p, float footprint) {
    float patches = fbm_filtered(p.xz * 0.5, footprint * 0.5, 3);
    float tufts = fbm_filtered(p.xz * 4.0, footprint * 4.0, 4);
    float sway = 1.0 + 0.15 * u_motion * sin(dot(p.xz, vec2(0.6, 0.8)) * 0.7 - u_flow * 1.6);
    vec3 albedo = mix(vec3(0.03, 0.045, 0.03), vec3(0.06, 0.07, 0.05), patches) * (0.6 + 0.8 * tufts) * sway;
    vec2 blades = grass_blades(ro, rd, footprint);
    vec3 blade = albedo * mix(0.5, 1.8, blades.y) * vec3(0.95, 1.0, 1.1);
    albedo = mix(albedo * mix(1.0, 0.6, 1.0 - smoothstep(0.2, 0.5, footprint / 0.035)), blade, blades.x);
    return albedo * (vec3(0.7, 0.78, 1.0) * moon_dir().y + vec3(0.1, 0.12, 0.18));
}

vec3 scene(vec3 ro, vec3 rd, out float t) {
    vec3 haze = vec3(0.045, 0.055, 0.08);
    vec3 col;
    float tg = plane_hit(ro, rd, 0.0);
    if (tg < 400.0) {
        t = tg;
        vec3 p = ro + rd * t;
        float footprint = ground_footprint(t, rd);
        float from_shore = p.z - shore_z(p.x, -4.0);
        float soft = max(0.25, footprint);
        float land_share = smoothstep(-soft, soft, from_shore);
        col = vec3(0.0);  // each side is shaded only where it shows
        if (land_share < 1.0) col += (1.0 - land_share) * night_lake(rd, p, footprint);
        if (land_share > 0.0) col += land_share * meadow(ro, rd, p, footprint);
        col = apply_fog(col, t, haze);
    } else {
        t = FAR;
        col = night_sky(rd, 0.0);
        col = mix(col, haze, u_fog * u_fog * 0.8 * (1.0 - smoothstep(0.0, 0.3, rd.y)));
    }
    col += motes(ro, rd, t, u_particles * 0.5, vec3(0.6, 0.9, 1.0), vec3(0.0, 1.0, -6.0), vec3(12.0, 1.5, 8.0));
    return col;
}

vec3 sky_sun() {
    return moon_dir();
}

vec3 pacer_colour(float b) {
    return glowing_pacer(b);
}
