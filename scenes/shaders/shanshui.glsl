// 山水 ink wash: four ranges of mountains standing on rings at real distances (40 m to 880 m)
// around a still lake, each paler with distance and dissolving into mist at its foot, a pavilion on
// a rock island, a stony bank at the viewer's feet and pale petals drifting. The ink darkens along
// each ridge (edge darkening, as a brush leaves it) and carries dry-brush texturing keyed to the
// world, so both eyes see the same strokes at the same depth. u_extra = ink (density of the ink).

const vec3 PAPER = vec3(1.45, 1.40, 1.28);
const vec3 INK = vec3(0.09, 0.10, 0.11);
const int RANGES = 4;
const vec2 PAVILION = vec2(-4.5, -15.0);  // x, z of the pavilion's front plane

// Ring radius, ridge height (metres) and ridge frequency (per radian) of range i (near to far).
vec3 range_shape(int i) {
    float d = 40.0 * pow(2.8, float(i));
    return vec3(d, d * (0.34 - 0.05 * float(i)), 6.0 - float(i));
}

// Ink density: the scene's own parameter, softened a little as the officer calms.
float ink_density() {
    return mix(0.3, 1.0, u_extra) * mix(1.1, 0.85, u_calm);
}

// How much ink survives the distance d through the mist: far ranges pale towards the paper.
float aerial(float d) {
    return exp(-d * mix(0.0004, 0.0025, u_fog));
}

// Distance along the ray from ro to the nearest crossing ahead of the ring of radius r around the
// origin (FAR when it is not crossed ahead).
float ring_hit(vec3 ro, vec3 rd, float r) {
    float a = dot(rd.xz, rd.xz);
    if (a < 1e-6) return FAR;
    float b = dot(ro.xz, rd.xz);
    float c = dot(ro.xz, ro.xz) - r * r;
    float disc = b * b - a * c;
    if (disc < 0.0) return FAR;
    float near = (-b - sqrt(disc)) / a;
    float far = (-b + sqrt(disc)) / a;
    return near > 0.0 ? near : (far > 0.0 ? far : FAR);
}

// Ridge height at azimuth az: rounded shoulders with a few tall, steep peaks; the two nearest ranges
// gather into a tall massif on the left and a lower one on the right, framing the lake ahead.
float massif(float az, float seed) {
    if (seed > 1.5) return 0.0;
    vec2 d = (vec2(az) - vec2(-0.75, 0.95)) / vec2(0.35, 0.3);
    return exp(-d.x * d.x) * 1.3 + exp(-d.y * d.y) * 0.7;
}

float ridge_height(float az, vec3 shape, float seed, float mass) {
    float n = fbm_filtered(vec2(az * shape.z + seed * 13.0, seed), 0.0, 3);
    float peak = pow(max(noise(vec2(az * shape.z * 0.6 + seed * 7.0, 3.0 + seed)) - 0.35, 0.0) / 0.65, 2.0);
    return shape.y * (0.2 + 0.5 * n + 0.8 * peak + mass);
}

// Ink on range i where the ray crosses its ring at p (0 where the ray passes above the ridge):
// a dark brush line at the ridge, a lighter wash below with vertical dry-brush texture, fading into
// the mist towards the water.
float range_ink(int i, vec3 p, float t, bool textured) {
    vec3 shape = range_shape(i);
    if (p.y <= 0.0 || p.y > shape.y * 2.8) return 0.0;  // under the water or above the highest peak
    float az = atan(p.x, -p.z);
    float mass = massif(az, float(i));
    if (p.y > shape.y * (1.5 + mass)) return 0.0;  // above the highest ridge this range has here
    float top = ridge_height(az, shape, float(i), mass);
    float below = top - p.y;
    float aa = t * pixel_angle + 1e-3;
    if (below < -aa) return 0.0;
    float cover = smoothstep(-aa, aa, below);
    float stroke = shape.y * 0.04 + aa;
    float edge = exp(-max(below, 0.0) / stroke);
    // hemp-fibre strokes (披麻皴) run down the slopes, leaning one way or the other in patches
    float lean = 1.6 * (noise(vec2(az * shape.z * 1.5, float(i) * 5.0)) - 0.5);
    vec2 uv = vec2(az * shape.x + lean * p.y, p.y);
    float texture_scale = 1.0 / (0.08 * shape.x);
    float brush = 0.5;
    if (textured) brush = fbm_filtered(uv * vec2(texture_scale * 6.0, texture_scale * 1.2), aa * texture_scale * 6.0, 3);
    float wash = 0.45 + 0.35 * brush;
    float mist_height = shape.y * mix(0.25, 0.85, u_fog);
    float drift = 0.15 * shape.y * sin(az * 9.0 + u_flow * 0.15 + float(i));
    float foot = smoothstep(0.0, mist_height, p.y - drift * u_motion);
    return cover * mix(wash, 1.0, edge) * foot * aerial(shape.x);
}

// Signed coverage of the pavilion and its rock island on the plane z = PAVILION.y (local x, y in m).
float pavilion_shape(vec2 q, float aa) {
    float ax = abs(q.x);
    float rock = 1.0 - length(vec2(q.x / 4.5, (q.y + 0.8) / 1.4));
    float base = min(2.6 - ax, min(q.y - 0.6, 0.95 - q.y));
    float pillar = min(max(0.1 - abs(ax - 1.9), 0.1 - abs(ax - 0.75)), min(q.y - 0.9, 3.1 - q.y));
    float eave = 0.45 * pow(ax / 3.0, 4.0);  // the eaves sweep upwards at the corners
    float slope = 4.5 - 1.35 * pow(ax / 3.0, 0.7) + eave;  // a concave roof line
    float roof = min(3.0 - ax, min(q.y - 2.95 - eave, slope - q.y));
    float finial = min(0.07 - ax, min(q.y - 4.3, 4.9 - q.y));
    float d = max(max(rock, base), max(max(pillar, roof), finial));
    return smoothstep(-aa, aa, d);
}

float pavilion_ink(vec3 ro, vec3 rd, float limit) {
    if (abs(rd.z) < 1e-4) return 0.0;
    float t = (PAVILION.y - ro.z) / rd.z;
    if (t <= 0.0 || t > limit) return 0.0;
    vec3 p = ro + rd * t;
    return pavilion_shape(vec2(p.x - PAVILION.x, p.y), t * pixel_angle + 0.01) * aerial(-PAVILION.y);
}

// The washed sky: paper with a faint grey wash, a pale vermilion sun and slow drifting clouds.
vec3 paper_sky(vec3 rd) {
    vec3 col = PAPER * (0.92 + 0.08 * smoothstep(0.0, 0.5, rd.y));
    vec3 sun = normalize(vec3(0.12, 0.42, -1.0));
    float c = dot(rd, sun);
    if (c > 0.99) {  // within about 8° of the sun's disc
        float s = 1.0 - smoothstep(0.045, 0.046 + pixel_angle, acos(min(c, 1.0)));
        col = mix(col, vec3(1.35, 0.62, 0.48), s * 0.75);
    }
    vec2 uv = rd.xz / (rd.y + 0.2);
    float cloud = smoothstep(0.55, 0.8, fbm_filtered(uv * 0.8 + vec2(u_flow * 0.02, 0.0), 0.0, 2));
    return col * (1.0 - 0.12 * cloud * ink_density());
}

// The ranges and the pavilion nearer than ``limit`` painted over ``col``, back to front. Seen
// directly, the two nearest carry the dry-brush texture; in the rippled reflection (``direct``
// false) the texture and the two palest ranges would be lost anyway and are left out.
vec3 ranges_over(vec3 col, vec3 ro, vec3 rd, float limit, bool direct) {
    float k = ink_density();
    for (int i = direct ? RANGES - 1 : RANGES - 3; i >= 0; i--) {
        float t = ring_hit(ro, rd, range_shape(i).x);
        if (t >= limit) continue;
        col = mix(col, INK, range_ink(i, ro + rd * t, t, direct && i < 2) * k);
    }
    return mix(col, INK, pavilion_ink(ro, rd, limit) * mix(0.7, 1.0, k));
}

// ---- Bamboo: a few stalks on the bank to the left, 3–4 m away: leaning ink cylinders with dark
// nodes, and sprays of narrow leaves on vertical cards facing the seat (real depth in both eyes).
const int STALKS = 4;

vec3 stalk(int i) {  // x, z of the root and the stalk's radius
    float f = float(i);
    float x = -1.25 - 0.3 * f - 0.25 * hash12(vec2(f, 3.0));
    return vec3(x, -2.4 - 0.3 * f + 0.5 * hash12(vec2(f, 8.0)), 0.022 + 0.008 * hash12(vec2(f, 5.0)));
}

// Sideways offset of stalk i at height y: a slight lean, and a sway with the wind.
float stalk_bend(int i, float y) {
    float sway = 0.05 * u_motion * sin(u_flow * 0.7 + float(i) * 1.9);
    return (0.015 + sway) * y * y * 0.25;
}

// One leaf: a narrow blade from `base` in direction `dir`, of length len.
float leaf(vec2 q, vec2 base, vec2 dir, float len, float aa) {
    vec2 d = q - base;
    float s = clamp(dot(d, dir), 0.0, len);
    float across = abs(dot(d, vec2(-dir.y, dir.x)));
    float u = s / len;
    float width = 0.11 * u * (1.0 - u) * (1.3 - u);  // widest a third of the way
    float along = dot(d, dir);
    return smoothstep(width + aa, width - aa, across) * step(0.0, along) * step(along, len);
}

// Ink coverage of the bamboo along the ray (0 if it passes by) and the distance of what it meets.
float bamboo(vec3 ro, vec3 rd, out float hit_t) {
    hit_t = FAR;
    float ink = 0.0;
    for (int i = 0; i < STALKS; i++) {
        vec3 s = stalk(i);
        vec2 c = s.xy;
        float a = dot(rd.xz, rd.xz);
        float t = dot(c - ro.xz, rd.xz) / a;
        float y = ro.y + rd.y * t;
        c.x += stalk_bend(i, y);
        t = dot(c - ro.xz, rd.xz) / a;
        y = ro.y + rd.y * t;
        vec2 side = ro.xz + rd.xz * t - c;
        float d = length(side);
        float aa = t * pixel_angle + 1e-3;
        if (t > 0.0 && t < hit_t && y > -0.1 && y < 6.0 && d < s.z + aa) {
            float cover = smoothstep(s.z + aa, s.z - aa, d) * smoothstep(-0.1, 0.7, y);  // the foot fades out
            float edge = mix(0.55, 1.0, pow(d / s.z, 2.0));
            float node = 1.0 - smoothstep(0.0, 0.025 + aa, abs(fract(y / 0.42 + float(i) * 0.3) - 0.5) * 0.42 - 0.19);
            ink = cover * clamp(edge + 0.5 * node, 0.0, 1.0);
            hit_t = t;
        }
        // the leaves: a card through the stalk, facing the seat
        vec3 n = normalize(vec3(-c.x, 0.0, -c.y));
        float denom = dot(rd, n);
        if (abs(denom) < 1e-3) continue;
        float tl = dot(vec3(c.x, 0.0, c.y) - ro, n) / denom;
        if (tl <= 0.0 || tl >= hit_t) continue;
        vec3 q3 = ro + rd * tl;
        vec2 q = vec2(dot(q3.xz - c, vec2(-n.z, n.x)), q3.y);
        if (q.y < 1.45 || q.y > 3.35 || abs(q.x) > 0.3) continue;
        float laa = tl * pixel_angle + 1e-3;
        float leaves = 0.0;
        int first = clamp(int(floor((q.y - 1.8) / 0.55)), 0, 2);
        for (int k = first; k <= min(first + 1, 2); k++) {  // the two sprays nearest in height
            float base_y = 1.8 + 0.55 * float(k) + 0.2 * hash12(vec2(float(i), float(k)));
            if (abs(q.y - base_y) > 0.3) continue;
            vec2 root = vec2(0.0, base_y);
            float flutter = 0.08 * u_motion * sin(u_flow * 1.3 + float(i * 3 + k));
            for (int j = 0; j < 3; j++) {
                // drooping at about 30°, 60° and 90° below the horizontal, turned a little by chance and wind
                vec2 dir = j == 0 ? vec2(0.88, -0.48) : (j == 1 ? vec2(0.5, -0.87) : vec2(0.03, -1.0));
                float turn = 0.25 * hash12(vec2(float(k), float(i * 3 + j))) + flutter;
                dir = normalize(dir + turn * vec2(dir.y, -dir.x));
                dir.x *= (j == 1) == (k == 1) ? 1.0 : -1.0;
                leaves = max(leaves, leaf(q, root, dir, 0.26, laa));
            }
        }
        if (leaves > 0.0) {
            ink = max(ink * step(hit_t, tl), leaves * 0.9);
            hit_t = min(hit_t, tl);
        }
    }
    return ink;
}

// The stony bank where the viewer sits: dry-brush ink on paper, darker in the cracks.
vec3 bank(vec3 p, float footprint) {
    float stone = fbm_filtered(p.xz * 1.3, footprint * 1.3, 3);
    float grain = fbm_filtered(p.xz * vec2(6.0, 2.0), footprint * 6.0, 3);
    float ink = smoothstep(0.35, 0.75, stone) * 0.55 + 0.25 * grain;
    return mix(PAPER * 0.95, INK, ink * ink_density());
}

// The lake: a soft mirror of the landscape, broken by slow ripples drawn as faint ink lines.
vec3 lake(vec3 ro, vec3 rd, vec3 p, float t) {
    float footprint = ground_footprint(t, rd);
    float slope_var;
    vec3 n = water_normal(p.xz, footprint, mix(0.03, 0.35, u_motion) * mix(1.3, 0.7, u_calm), 4, slope_var);
    vec3 r = reflect(rd, n);
    r.y = max(r.y, 0.002);
    vec3 mirrored = ranges_over(paper_sky(r), p + vec3(0.0, 0.001, 0.0), r, FAR, false);
    vec3 col = mix(PAPER * 0.9, mirrored, 0.7);
    float line_width = footprint * 3.0;
    float lines = sin(p.z * 2.2 + 1.3 * noise(p.xz * 0.3) + u_flow * 0.35);
    float ripple = (1.0 - smoothstep(0.0, 0.6, line_width)) * smoothstep(0.75, 0.98, lines);
    return mix(col, INK, ripple * 0.25 * (0.3 + u_motion) * ink_density());
}

vec3 scene(vec3 ro, vec3 rd, out float t) {
    vec3 col;
    float tg = plane_hit(ro, rd, 0.0);
    if (tg < 0.9 * range_shape(RANGES - 1).x) {
        t = tg;
        vec3 p = ro + rd * t;
        float footprint = ground_footprint(t, rd);
        float from_shore = p.z - shore_z(p.x, -2.5);
        float soft = max(0.08, footprint);
        float land_share = smoothstep(-soft, soft, from_shore);
        col = vec3(0.0);  // each side is shaded only where it shows
        if (land_share < 1.0) col += (1.0 - land_share) * lake(ro, rd, p, t);
        if (land_share > 0.0) col += land_share * bank(p, footprint);
    } else {
        t = FAR;
        col = paper_sky(rd);
    }
    col = ranges_over(col, ro, rd, t, true);
    // mist lying on the water: the paper shows through low and far
    float mist = u_fog * (1.0 - smoothstep(-0.05, 0.12, rd.y)) * 0.6;
    col = mix(col, PAPER, mist);
    if (rd.z < 0.0 && rd.x < -0.15 * -rd.z && rd.x > -1.4 * -rd.z) {  // the grove stands ahead to the left
        float tb;
        float ink = bamboo(ro, rd, tb);
        if (tb < t) {
            col = mix(col, INK, ink * mix(0.7, 1.0, ink_density()));
            t = tb;
        }
    }
    return col + motes(ro, rd, t, u_particles * 0.6, vec3(1.1, 0.72, 0.72), vec3(0.0, 1.6, -7.0), vec3(12.0, 2.0, 8.0));
}

// The guide as a vermilion dot of ink, like a seal on the painting.
vec3 sky_sun() {
    return vec3(0.0, 1.0, 0.0);  // paper sky: the table is not used
}

vec3 pacer_colour(float b) {
    return vec3(1.6, 0.42, 0.26) * (0.8 + 0.35 * b);
}
