// Forest glade: a clearing ringed by broad-leaved trees (tapered trunks, branches, ragged crowns),
// a high canopy layer above them, a far treeline through an opening towards the sun, a mossy floor
// with low ground cover, god rays where sunlight falls through the gaps of the canopy, and motes
// of pollen drifting in the light. Everything is hit in world space from each eye (real depth in
// stereo). u_extra = shafts.

const float CANOPY = 17.0;   // height of the high canopy layer (m)
const float WALL_R = 62.0;   // radius of the far treeline
const int TREES = 23;
const vec3 SUN = vec3(0.4082, 0.7071, -0.5774);  // 45° up, towards the opening front-right

// The trees (printed by scripts/forest_layout.py, seeded): centre x, z, base radius,
// height; and crown radius, crown height share, tint, has branches. Tree 0 is the near one on
// the left (the stereo test measures it); an opening of 40° to the right of forward is left free.
const vec4 TREE[TREES] = vec4[](
    vec4(-1.93, -4.83, 0.34, 14.5),
    vec4(8.04, -3.37, 0.38, 13.0),
    vec4(8.04, 2.43, 0.27, 13.5),
    vec4(4.74, 6.95, 0.31, 13.8),
    vec4(0.58, 6.15, 0.36, 13.7),
    vec4(-3.36, 5.67, 0.35, 15.4),
    vec4(-7.52, 0.30, 0.35, 15.5),
    vec4(-5.06, -3.03, 0.33, 15.4),
    vec4(8.84, -8.83, 0.40, 16.0),
    vec4(18.45, -7.53, 0.39, 16.7),
    vec4(22.30, 1.51, 0.44, 14.5),
    vec4(12.59, 6.60, 0.38, 15.6),
    vec4(8.92, 9.35, 0.39, 14.8),
    vec4(4.22, 10.18, 0.37, 14.6),
    vec4(3.40, 22.30, 0.31, 16.7),
    vec4(-8.47, 20.20, 0.40, 13.7),
    vec4(-12.55, 16.21, 0.33, 14.3),
    vec4(-15.62, 10.82, 0.37, 14.8),
    vec4(-14.64, 0.09, 0.31, 14.4),
    vec4(-20.07, -5.91, 0.43, 13.3),
    vec4(-14.52, -10.01, 0.36, 14.6),
    vec4(-11.46, -19.78, 0.43, 15.0),
    vec4(-3.74, -16.67, 0.45, 14.5));
const vec4 CROWN[TREES] = vec4[](
    vec4(3.24, 0.32, 0.74, 1.0),
    vec4(2.85, 0.31, 0.84, 1.0),
    vec4(2.65, 0.32, 0.48, 1.0),
    vec4(2.94, 0.30, 0.37, 1.0),
    vec4(3.20, 0.29, 0.18, 1.0),
    vec4(3.25, 0.29, 0.58, 1.0),
    vec4(3.48, 0.31, 0.52, 1.0),
    vec4(2.64, 0.32, 0.96, 1.0),
    vec4(3.15, 0.32, 0.32, 0.0),
    vec4(2.68, 0.29, 0.48, 0.0),
    vec4(3.37, 0.30, 0.18, 0.0),
    vec4(2.94, 0.28, 0.64, 0.0),
    vec4(2.71, 0.34, 0.44, 0.0),
    vec4(3.00, 0.31, 0.41, 0.0),
    vec4(3.47, 0.26, 0.74, 0.0),
    vec4(2.62, 0.26, 0.18, 0.0),
    vec4(3.20, 0.33, 0.78, 0.0),
    vec4(2.64, 0.30, 0.12, 0.0),
    vec4(2.80, 0.28, 0.03, 0.0),
    vec4(2.65, 0.33, 0.53, 0.0),
    vec4(2.63, 0.27, 0.90, 0.0),
    vec4(2.41, 0.26, 0.11, 0.0),
    vec4(3.20, 0.33, 0.10, 0.0));

vec3 sun_light() {
    return vec3(1.0, 0.9, 0.72) * 3.2;
}

// The wind's sway, two phases of it (set once per pixel in scene(), so that the crowns and the
// canopy need no trigonometry of their own): xy and zw in [-1, 1]².
vec4 wind;

// The crown of tree i: centre and radii of its ellipsoid, swaying gently with the wind.
vec3 crown_centre(int i, out vec3 radii) {
    vec4 tr = TREE[i];
    vec4 cr = CROWN[i];
    radii = vec3(cr.x * 1.6, tr.w * (cr.y + 0.12), cr.x * 1.6);
    vec2 sway = mix(wind.xy, wind.zw, CROWN[i].z) * 0.12 * u_motion;
    return vec3(tr.x + sway.x, tr.w - radii.y * 0.9, tr.y + sway.y);
}

// Entry and exit distances of the ray through an ellipsoid (entry > exit: missed).
vec2 ellipsoid(vec3 ro, vec3 rd, vec3 centre, vec3 radii) {
    vec3 oc = (ro - centre) / radii;
    vec3 d = rd / radii;
    float a = dot(d, d);
    float b = dot(oc, d);
    float h = b * b - a * (dot(oc, oc) - 1.0);
    if (h < 0.0) return vec2(FAR, -FAR);
    h = sqrt(h);
    return vec2(-b - h, -b + h) / a;
}

// Foliage of the high canopy at a point of its plane (0 gap, 1 leaves): leafy with holes, thinner
// over the clearing, three octaves of noise drifting slowly with the wind.
float canopy_leaves(vec2 p) {
    vec2 sway = wind.xy * 0.3 * u_motion;
    float n = 0.45 * noise(p * 0.16 + sway) + 0.3 * noise(p * 0.41 - sway) + 0.25 * noise(p * 1.1 + sway);
    // the gap over the glade, where the sun (45° up, front-right) lights the grass 5 m ahead
    float clearing = smoothstep(2.5, 8.0, length(p - vec2(10.0, -19.0)));
    return smoothstep(0.4, 0.5, n + 0.3 * clearing - 0.12);
}

// Sunlight reaching point p through the gaps of the high canopy (the crowns of the glade's trees
// are part of that layer as far as shadows go): 0 in full shade, 1 in the open.
float sun_visibility(vec3 p) {
    if (p.y >= CANOPY) return 1.0;
    return 1.0 - canopy_leaves(p.xz + SUN.xz / SUN.y * (CANOPY - p.y));
}

// Distance along the ray to a tapered trunk (a cone from base radius r0 at the ground); normal out.
float trunk_hit(vec3 ro, vec3 rd, vec4 tr, out vec3 normal) {
    float k = 0.55 * tr.z / tr.w;  // the trunk narrows to 45 % at the top
    vec2 o = ro.xz - tr.xy;
    vec2 d = rd.xz;
    float A = tr.z - k * ro.y;
    float B = -k * rd.y;
    float a = dot(d, d) - B * B;
    float b = dot(o, d) - A * B;
    float c = dot(o, o) - A * A;
    float h = b * b - a * c;
    if (h < 0.0 || a < 1e-6) return FAR;
    float t = (-b - sqrt(h)) / a;
    float y = ro.y + rd.y * t;
    if (t <= 0.0 || y < 0.0 || y > tr.w) return FAR;
    vec2 radial = normalize(o + d * t);
    normal = normalize(vec3(radial.x, k, radial.y));
    return t;
}

// Distance along the ray to a capsule from pa to pb of radius r (after Inigo Quilez), FAR on a miss.
float capsule_hit(vec3 ro, vec3 rd, vec3 pa, vec3 pb, float r) {
    vec3 ba = pb - pa;
    vec3 oa = ro - pa;
    float baba = dot(ba, ba);
    float bard = dot(ba, rd);
    float baoa = dot(ba, oa);
    float rdoa = dot(rd, oa);
    float a = baba - bard * bard;
    float b = baba * rdoa - baoa * bard;
    float c = baba * dot(oa, oa) - baoa * baoa - r * r * baba;
    float h = b * b - a * c;
    if (h < 0.0) return FAR;
    float t = (-b - sqrt(h)) / a;
    float y = baoa + t * bard;
    if (y > 0.0 && y < baba) return t > 0.0 ? t : FAR;
    vec3 oc = y <= 0.0 ? oa : ro - pb;
    b = dot(rd, oc);
    h = b * b - dot(oc, oc) + r * r;
    if (h < 0.0) return FAR;
    t = -b - sqrt(h);
    return t > 0.0 ? t : FAR;
}

// Three branches of each near tree (the first eight): from the trunk up and out into the crown,
// start and radius, end (printed by the same script).
const int BRANCHES = 24;
const vec4 BRANCH_FROM[BRANCHES] = vec4[](
    vec4(-1.93, 2.90, -4.83, 0.100),
    vec4(-1.93, 4.06, -4.83, 0.085),
    vec4(-1.93, 5.22, -4.83, 0.070),
    vec4(8.04, 2.60, -3.37, 0.111),
    vec4(8.04, 3.64, -3.37, 0.095),
    vec4(8.04, 4.68, -3.37, 0.078),
    vec4(8.04, 2.71, 2.43, 0.079),
    vec4(8.04, 3.79, 2.43, 0.067),
    vec4(8.04, 4.87, 2.43, 0.056),
    vec4(4.74, 2.76, 6.95, 0.091),
    vec4(4.74, 3.87, 6.95, 0.077),
    vec4(4.74, 4.97, 6.95, 0.064),
    vec4(0.58, 2.75, 6.15, 0.105),
    vec4(0.58, 3.85, 6.15, 0.089),
    vec4(0.58, 4.95, 6.15, 0.074),
    vec4(-3.36, 3.09, 5.67, 0.104),
    vec4(-3.36, 4.32, 5.67, 0.088),
    vec4(-3.36, 5.55, 5.67, 0.073),
    vec4(-7.52, 3.09, 0.30, 0.102),
    vec4(-7.52, 4.33, 0.30, 0.087),
    vec4(-7.52, 5.57, 0.30, 0.072),
    vec4(-5.06, 3.08, -3.03, 0.098),
    vec4(-5.06, 4.31, -3.03, 0.083),
    vec4(-5.06, 5.54, -3.03, 0.068));
const vec3 BRANCH_TO[BRANCHES] = vec3[](
    vec3(-2.13, 4.63, -7.98),
    vec3(0.12, 6.00, -3.53),
    vec3(-3.60, 7.10, -4.17),
    vec3(9.72, 4.34, -6.04),
    vec3(8.93, 5.58, -1.12),
    vec3(6.30, 6.56, -3.81),
    vec3(4.91, 4.44, 2.83),
    vec3(9.21, 5.73, 0.31),
    vec3(8.81, 6.75, 4.06),
    vec3(2.58, 4.50, 9.26),
    vec3(4.29, 5.80, 4.58),
    vec3(6.36, 6.86, 7.72),
    vec3(1.93, 4.48, 9.00),
    vec3(-1.79, 5.78, 5.69),
    vec3(1.89, 6.83, 4.92),
    vec3(-6.13, 4.82, 4.16),
    vec3(-1.17, 6.26, 4.64),
    vec3(-3.70, 7.44, 7.43),
    vec3(-10.65, 4.83, -0.09),
    vec3(-5.86, 6.27, -1.47),
    vec3(-7.18, 7.45, 2.06),
    vec3(-2.01, 4.81, -3.82),
    vec3(-5.95, 6.24, -0.77),
    vec3(-6.02, 7.42, -4.54));

// Distance at which a ray from inside leaves the vertical cylinder of this radius about the axis.
float cylinder_exit(vec3 ro, vec3 rd, float radius) {
    float a = dot(rd.xz, rd.xz);
    if (a < 1e-6) return FAR;
    float b = dot(ro.xz, rd.xz);
    return (-b + sqrt(b * b - a * (dot(ro.xz, ro.xz) - radius * radius))) / a;
}

struct Hit {
    float t;
    vec3 normal;
    int tree;
    float kind;   // 0 trunk, 1 branch
};

// Keeps the sphere s (centre, radius) as ``lobe`` if the ray enters it nearer than ``best``.
void lobe_test(vec3 ro, vec3 rd, vec4 s, inout float best, inout vec4 lobe) {
    vec3 oc = ro - s.xyz;
    float b = dot(oc, rd);
    float h = b * b - dot(oc, oc) + s.w * s.w;
    float t = -b - sqrt(max(h, 0.0));
    if (h > 0.0 && t > 0.0 && t < best) {
        best = t;
        lobe = s;
    }
}

// The nearest lobe of tree i's crown along the ray, if nearer than ``best``: its distance, and its
// centre and radius in ``lobe``. The crown is four spheres (a lobed, cloud-like crown) inside its
// ellipsoid; ``c`` and ``radii`` are those of the ellipsoid. Written out, not looped: llvmpipe
// runs short loops far slower than straight code.
void crown_lobes(vec3 ro, vec3 rd, int i, vec3 c, vec3 radii, inout float best, inout vec4 lobe) {
    float a0 = CROWN[i].z * 6.2832;
    vec2 a = vec2(cos(a0), sin(a0)) * radii.x * 0.5;
    vec2 b = vec2(-0.5 * a.x - 0.866 * a.y, 0.866 * a.x - 0.5 * a.y);  // a third of a turn on
    vec2 d = -a - b;
    lobe_test(ro, rd, vec4(c + vec3(0.0, 0.35 * radii.y, 0.0), 0.72 * radii.x), best, lobe);
    lobe_test(ro, rd, vec4(c + vec3(a.x, -0.25 * radii.y, a.y), 0.58 * radii.x), best, lobe);
    lobe_test(ro, rd, vec4(c + vec3(b.x, -0.1 * radii.y, b.y), 0.54 * radii.x), best, lobe);
    lobe_test(ro, rd, vec4(c + vec3(d.x, -0.25 * radii.y, d.y), 0.5 * radii.x), best, lobe);
}

// Leaf cover where the ray meets a lobe at p, distance t: a ragged silhouette of leaf clumps at
// the lobe's edge (x), and the clumps' light and shade inside (y); smoothed once the clumps get
// smaller than a pixel.
vec2 lobe_cover(vec3 ro, vec3 rd, vec3 p, float t, vec4 lobe) {
    vec3 oc = ro - lobe.xyz;
    float b = dot(oc, rd);
    float rim = (b * b - dot(oc, oc) + lobe.w * lobe.w) / (lobe.w * lobe.w);  // 1 at the centre, 0 at the edge
    float fw = t * pixel_angle;
    // two projections, so that no face of a lobe sees the noise stretched into stripes
    float leaves = 0.5 * (noise(vec2(p.x - 0.6 * p.z, p.y) * 4.0) + noise(vec2(p.z + 0.6 * p.x, p.y + 0.3 * p.x) * 4.6));
    leaves = mix(0.5, (leaves - 0.5) * 1.6 + 0.5, 1.0 - smoothstep(0.05, 0.2, fw));
    float soft = 0.04 + 1.5 * fw / lobe.w;
    float edge = smoothstep(0.5 - soft, 0.5 + soft, rim * 3.0 + (leaves - 0.5) * 1.2);
    return vec2(edge, mix(0.55, 1.0, smoothstep(0.3, 0.7, leaves)));
}

// Nearest bark (trunk or branch) along the ray, and the nearest crown lobe (its distance, sphere
// and tree). A tree is skipped where the ray passes too far from its axis, its trunk tested only
// where the ray passes within its radius, its crown only where the ray is at the crown's heights.
Hit bark_and_crowns(vec3 ro, vec3 rd, out float crown_t, out vec4 lobe, out int crown_tree) {
    Hit hit = Hit(FAR, vec3(0.0, 1.0, 0.0), -1, 0.0);
    crown_t = FAR;
    lobe = vec4(0.0, 0.0, 0.0, 1.0);
    crown_tree = -1;
    float flat_len = length(rd.xz);
    vec2 dir = rd.xz / max(flat_len, 1e-5);
    for (int i = 0; i < TREES; i++) {
        vec4 tr = TREE[i];
        vec2 to_tree = tr.xy - ro.xz;
        float along = dot(to_tree, dir);
        float reach = CROWN[i].x * 1.6 + 0.5;
        float miss = dot(to_tree, to_tree) - along * along;
        // horizontally too far from the tree, behind us, or beyond the nearest hit so far
        if (along < -reach || miss > reach * reach) continue;
        if ((along - reach) / max(flat_len, 1e-5) > min(hit.t, crown_t)) continue;
        if (miss < tr.z * tr.z * 1.2 || flat_len < 0.05) {
            vec3 n;
            float t = trunk_hit(ro, rd, tr, n);
            if (t < hit.t) hit = Hit(t, n, i, 0.0);
        }
        // the ray's height where it passes the tree, and how much it changes across the tree
        float slope = rd.y / max(flat_len, 1e-5);
        float y_at = ro.y + slope * along;
        float dy = abs(slope) * reach + 0.3;
        // the lowest lobe's underside (see crown_centre and crown_lobes)
        float crown_low = tr.w * (1.0 - 1.15 * (CROWN[i].y + 0.12)) - 0.93 * CROWN[i].x - 0.2;
        if (y_at + dy > crown_low && y_at - dy < tr.w + 0.5) {
            vec3 radii;
            vec3 c = crown_centre(i, radii);
            float before = crown_t;
            crown_lobes(ro, rd, i, c, radii, crown_t, lobe);
            if (crown_t < before) crown_tree = i;
        }
    }
    // branches in a loop of their own: on a software rasteriser every iteration costs the whole body
    int nearest = -1;
    for (int j = 0; j < BRANCHES; j++) {
        float tb = capsule_hit(ro, rd, BRANCH_FROM[j].xyz, BRANCH_TO[j], BRANCH_FROM[j].w);
        if (tb < hit.t) {
            hit.t = tb;
            nearest = j;
        }
    }
    if (nearest >= 0) {
        vec3 pa = BRANCH_FROM[nearest].xyz;
        vec3 ba = BRANCH_TO[nearest] - pa;
        vec3 p = ro + rd * hit.t;
        vec3 axis = pa + ba * clamp(dot(p - pa, ba) / dot(ba, ba), 0.0, 1.0);
        hit = Hit(hit.t, normalize(p - axis), nearest / 3, 1.0);
    }
    return hit;
}

vec3 sky(vec3 rd) {
    float up = max(rd.y, 0.0);
    vec3 c = mix(vec3(0.62, 0.74, 0.82), vec3(0.26, 0.46, 0.78), sqrt(up));
    float s = max(dot(rd, SUN), 0.0);
    return c * 1.3 + vec3(1.0, 0.85, 0.6) * (pow(s, 8.0) * 0.8 + pow(s, 200.0) * 6.0);
}

// Colour of light in the air between the trees: the fog's colour and the ambient light.
vec3 haze_colour() {
    return vec3(0.36, 0.45, 0.4);
}

// Bark: vertical furrows (faded once finer than two pixels), moss on the side away from the sun
// near the ground (not on branches).
vec3 bark_albedo(vec3 p, vec3 n, int i, float kind, float t) {
    float az = atan(n.x, n.z);
    float furrow = noise(vec2(az * 5.0 + float(i) * 7.0, p.y * 0.9));
    furrow = mix(0.5, furrow, 1.0 - smoothstep(0.02, 0.08, t * pixel_angle));
    vec3 base = mix(vec3(0.09, 0.075, 0.06), vec3(0.3, 0.26, 0.21), furrow);
    float moss = smoothstep(0.1, -0.6, dot(n.xz, SUN.xz)) * smoothstep(3.0, 0.3, p.y) * (0.5 + 0.5 * furrow);
    return mix(base, vec3(0.12, 0.2, 0.05), moss * (1.0 - kind));
}

// A band of trunks on a cylinder of the given radius around the glade (a far layer of the wood):
// coverage of the stems at the band's point p, stems `count` around the circle, faded to their mean
// once a stem gets narrower than about a pixel.
float stem_band(vec3 p, float count, float seed, out float shade) {
    float az = atan(p.x, -p.z);
    float u = az / (2.0 * PI) * count;
    float cell = floor(u);
    float width = 0.12 + 0.2 * hash12(vec2(cell, seed));
    float centre = 0.3 + 0.4 * hash12(vec2(cell, seed + 3.0));
    float px = pixel_angle / (2.0 * PI) * count;
    float d = abs(fract(u) - centre);
    float cover = smoothstep(width * 0.5 + px, width * 0.5 - px, d);
    cover = mix(cover, width, smoothstep(0.3, 1.0, px / width));
    shade = hash12(vec2(cell, seed + 7.0));
    return cover;
}

// The far wood on a cylinder around the glade: rounded crowns against the sky over dark stems.
vec3 treeline(vec3 ro, vec3 rd, float t, out bool hit) {
    vec3 p = ro + rd * t;
    float az = atan(p.x, -p.z);
    float top = 15.0 + 7.0 * fbm(vec2(az * 9.0, 1.7)) + 2.0 * noise(vec2(az * 40.0, 3.0));
    hit = p.y < top && p.y > 0.0;
    float crowns = smoothstep(top - 9.0, top - 4.0, p.y + 3.0 * noise(vec2(az * 70.0, p.y * 0.3)));
    float shade;
    float stems = stem_band(p, 260.0, 11.0, shade) * step(0.25, shade);  // gaps in the far wood
    vec3 under = vec3(0.13, 0.17, 0.12) * (haze_colour() * 1.2 + sun_light() * 0.1);
    vec3 trunk = mix(vec3(0.03, 0.035, 0.03), vec3(0.06, 0.06, 0.05), shade);
    vec3 leaf = mix(vec3(0.06, 0.11, 0.04), vec3(0.16, 0.24, 0.07), noise(vec2(az * 60.0, p.y * 0.4)));
    vec3 col = mix(under, trunk * (haze_colour() + sun_light() * 0.15), stems);
    return mix(col, leaf * (haze_colour() + sun_light() * 0.3), crowns);
}

// Light scattered towards the eye where the ray crosses sunlit air under the gaps: 10 samples at
// fixed distances along the ray (the same world points for both eyes), Mie-weighted.
vec3 god_rays(vec3 ro, vec3 rd, float t) {
    if (u_extra <= 0.0) return vec3(0.0);
    float len = min(t, 36.0);
    float sum = 0.0;
    float prev = 0.0;
    for (int i = 0; i < 12; i++) {
        float fi = float(i) + 0.5;
        float ti = 1.5 * fi + 0.09 * fi * fi;  // 1.6 m apart near the eye, 3.6 m at 30 m
        if (ti > len) break;
        vec3 p = ro + rd * ti;
        if (p.y > CANOPY) break;
        sum += sun_visibility(p) * (ti - prev);
        prev = ti;
    }
    float nu = dot(rd, SUN);
    float phase = 0.4 + 1.3 * pow(max(nu, 0.0), 4.0);
    float density = mix(0.05, 0.11, u_fog) * u_extra;
    return vec3(1.0, 0.86, 0.6) * sum * phase * density;
}

// Small white and pale-yellow flowers in the grass, one per 0.3 m cell at most, faded out before
// they get smaller than a pixel.
vec3 flowers(vec2 q, float fw, vec3 col) {
    const float CELL = 0.3;
    float detail = 1.0 - smoothstep(0.01, 0.03, fw);
    if (detail <= 0.0) return col;
    vec2 cell = floor(q / CELL);
    float h = hash12(cell + 5.3);
    if (h > 0.14) return col;
    vec2 centre = (cell + 0.25 + 0.5 * vec2(hash12(cell + 1.7), hash12(cell + 9.1))) * CELL;
    float r = 0.02 + 0.1 * h;
    float petal = smoothstep(r + fw, r - fw, length(q - centre)) * detail;
    vec3 bloom = mix(vec3(0.95, 0.95, 0.85), vec3(1.0, 0.85, 0.35), step(0.07, h));
    return mix(col, bloom * 0.4, petal);
}

// The floor: moss, leaf litter and fern patches (band-limited), grass blades near the seat and
// flowers; also the height of the blades seen (their tips catch the light).
vec3 ground_albedo(vec3 ro, vec3 rd, float t, out float blade_height) {
    vec3 p = ro + rd * t;
    float fw = ground_footprint(t, rd);
    float soil = fbm_filtered(p.xz * 0.45, fw * 0.45, 3);
    float litter = fbm_filtered(p.xz * 2.5 + 3.1, fw * 2.5, 3);
    float ferns = smoothstep(0.52, 0.62, fbm_filtered(p.xz * 0.3 + 7.0, fw * 0.3, 2));
    vec3 moss = mix(vec3(0.08, 0.14, 0.04), vec3(0.2, 0.27, 0.08), soil);
    vec3 leaves = mix(vec3(0.17, 0.13, 0.07), vec3(0.3, 0.24, 0.12), litter);
    vec3 col = mix(moss, leaves, 0.55 * smoothstep(0.5, 0.7, soil + 0.35 * (litter - 0.5)));
    col = mix(col, vec3(0.05, 0.12, 0.03) * (0.7 + 0.6 * litter), ferns * 0.8);
    vec2 blades = grass_blades(ro, rd, fw);
    col = mix(col, mix(vec3(0.07, 0.14, 0.035), vec3(0.22, 0.36, 0.09), blades.y), blades.x);
    blade_height = blades.y * blades.x;
    return t < 14.0 ? flowers(p.xz, fw, col) : col;
}

// What lies beyond the glade's own trees along the ray: the middle ring of stems, the far wood,
// the high canopy or the sky; its distance in t.
vec3 far_colour(vec3 ro, vec3 rd, out float t) {
    float tcan = plane_hit(ro, rd, CANOPY);
    float tw = cylinder_exit(ro, rd, WALL_R);
    bool wall;
    vec3 col = treeline(ro, rd, tw, wall);
    t = tw;
    if (!wall || tcan < tw) {
        vec3 p = ro + rd * tcan;
        float f = tcan < FAR ? canopy_leaves(p.xz) : 0.0;
        vec3 leaf = mix(vec3(0.04, 0.09, 0.025), vec3(0.13, 0.21, 0.05), noise(p.xz * 0.8));
        vec3 through = leaf * (haze_colour() + sun_light() * (0.35 * (1.0 - f) + 0.3 * pow(max(dot(rd, SUN), 0.0), 3.0)));
        col = mix(sky(rd), through, f);
        t = f > 0.5 ? tcan : FAR;
    }
    // a middle layer of stems on a ring 34 m out, between the glade's trees and the far wood
    float tm = cylinder_exit(ro, rd, 34.0);
    vec3 pm = ro + rd * tm;
    if (tm < t && pm.y > 0.0 && pm.y < 13.0) {
        float shade;
        float band = stem_band(pm, 150.0, 5.0, shade) * step(0.45, shade) * smoothstep(13.0, 7.0, pm.y + 3.0 * shade);
        vec3 stem = mix(vec3(0.04, 0.04, 0.035), vec3(0.09, 0.085, 0.07), shade);
        col = mix(col, stem * (haze_colour() + sun_light() * 0.2), band);
        if (band > 0.5) t = tm;
    }
    return col;
}

// Fog, god rays and the drifting motes over the colour seen at distance t.
vec3 finish(vec3 col, vec3 ro, vec3 rd, float t) {
    col = apply_fog(col, t, haze_colour() * 1.1);
    col += god_rays(ro, rd, t);
    return col + motes(ro, rd, t, u_particles, vec3(1.0, 0.9, 0.55) * 0.6, vec3(1.0, 1.8, -4.5), vec3(8.0, 2.5, 6.0));
}

// The glade's own surfaces (bark, crowns, floor) are shaded in one place with one look-up of the
// sunlight through the canopy: a software rasteriser evaluates every branch of a shader, so the
// materials only choose albedo, normal and how they take the light.
vec3 scene(vec3 ro, vec3 rd, out float t) {
    wind = vec4(sin(u_flow * 0.7), cos(u_flow * 0.53), sin(u_flow * 0.7 + 2.1), cos(u_flow * 0.53 + 2.8));
    float crown_t;
    vec4 lobe;
    int ct;
    Hit bark = bark_and_crowns(ro, rd, crown_t, lobe, ct);
    float tg = rd.y < 0.0 ? -ro.y / rd.y : FAR;
    float near_t = min(bark.t, tg);
    bool crown_front = ct >= 0 && crown_t < near_t;
    vec2 cover = vec2(0.0);
    float inside = 0.0;
    if (crown_front) {
        cover = lobe_cover(ro, rd, ro + rd * crown_t, crown_t, lobe);
        // through a gap between the clumps: more leaves in shade where the ray stays inside the crown
        vec3 radii;
        vec3 c = crown_centre(ct, radii);
        vec2 span = ellipsoid(ro, rd, c, radii * 1.12);  // the lobes bulge a little beyond it
        inside = smoothstep(0.5, 3.0, span.y - max(span.x, 0.0));
        near_t = crown_t;
    }
    // what lies beyond (the crowns are always nearer) only matters where a crown's gaps let it
    // through, or where nothing nearer than the middle ring of stems (34 m) is hit
    vec3 far = vec3(0.0);
    t = FAR;
    if (crown_front ? max(cover.x, inside) < 0.99 : near_t > 33.0) far = far_colour(ro, rd, t);
    if (!crown_front && near_t >= t) return finish(far, ro, rd, t);
    vec3 p = ro + rd * near_t;
    vec3 albedo;
    vec3 n;
    float ambient;
    float sun_term;
    vec3 glow = vec3(0.0);
    if (crown_front) {
        n = (p - lobe.xyz) / lobe.w;
        albedo = mix(vec3(0.08, 0.19, 0.035), vec3(0.22, 0.31, 0.06), CROWN[ct].z);
        float wrap = clamp(0.45 + 0.55 * dot(n, SUN), 0.0, 1.0);
        sun_term = 0.8 * wrap * wrap * cover.y * (0.55 + 0.7 * noise(vec2(p.x + p.z, p.y) * 1.7));
        ambient = 0.9 * cover.y * mix(0.45, 1.0, smoothstep(-0.8, 0.4, n.y));
        // light through thin leaves at the edge of a lobe where we look towards the sun
        glow = vec3(0.42, 0.63, 0.08) * pow(max(dot(rd, SUN), 0.0), 3.0) * (1.0 - abs(dot(n, rd)));
    } else if (near_t == bark.t) {
        n = bark.normal;
        albedo = bark_albedo(p, n, bark.tree, bark.kind, near_t);
        sun_term = max(dot(n, SUN), 0.0);
        ambient = 0.9 * mix(0.45, 1.0, smoothstep(0.0, 1.5, p.y));
    } else {
        float blade_height;
        albedo = ground_albedo(ro, rd, near_t, blade_height);
        p.y += 0.1 * blade_height;
        sun_term = SUN.y;
        ambient = 1.1;
    }
    float sun = sun_visibility(p);
    vec3 col = albedo * (haze_colour() * ambient + sun_light() * sun_term * sun) + glow * sun;
    if (crown_front) {
        vec3 behind = mix(far, albedo * haze_colour() * 0.5, inside);
        col = mix(behind, col, cover.x);
        if (max(cover.x, inside) < 0.5) near_t = t;
    }
    return finish(col, ro, rd, near_t);
}

vec3 sky_sun() {
    return SUN;  // its sky is drawn without the table
}

vec3 pacer_colour(float b) {
    return glowing_pacer(b);
}
