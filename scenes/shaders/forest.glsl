// Forest glade: a clearing ringed by broad-leaved trees (tapered trunks, branches, ragged crowns),
// a high canopy layer above them, a far treeline through an opening towards the sun, a mossy floor
// with low ground cover, god rays where sunlight falls through the gaps of the canopy, and motes
// of pollen drifting in the light. Everything is hit in world space from each eye (real depth in
// stereo). u_extra = shafts.

const float CANOPY = 17.0;   // height of the high canopy layer (m)
const float WALL_R = 62.0;   // radius of the far treeline
const int TREES = 23;
const vec3 SUN = vec3(0.4082, 0.7071, -0.5774);  // 45° up, towards the opening front-right

// The trees (laid out once by a seeded script, see docs/scenes.md): centre x, z, base radius,
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

// The crown of tree i: centre and radii of its ellipsoid, swaying gently with the wind.
vec3 crown_centre(int i, out vec3 radii) {
    vec4 tr = TREE[i];
    vec4 cr = CROWN[i];
    radii = vec3(cr.x * 1.6, tr.w * (cr.y + 0.12), cr.x * 1.6);
    vec2 sway = vec2(sin(u_flow * 0.7 + float(i)), cos(u_flow * 0.53 + float(i) * 1.3)) * 0.12 * u_motion;
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
    vec2 sway = vec2(sin(u_flow * 0.4), cos(u_flow * 0.31)) * 0.3 * u_motion;
    float n = 0.45 * noise(p * 0.16 + sway) + 0.3 * noise(p * 0.41 - sway) + 0.25 * noise(p * 1.1 + sway);
    // the gap over the glade, where the sun (45° up, front-right) lights the grass 5 m ahead
    float clearing = smoothstep(2.5, 8.0, length(p - vec2(10.0, -19.0)));
    return smoothstep(0.4, 0.5, n + 0.3 * clearing - 0.12);
}

// Sunlight reaching point p through the high canopy (the trees' crowns shade it as well when
// ``crowns`` is set): 0 in full shade, 1 in the open.
float sun_visibility(vec3 p, bool crowns) {
    float lit = 1.0;
    if (p.y < CANOPY) lit = 1.0 - canopy_leaves(p.xz + SUN.xz / SUN.y * (CANOPY - p.y));
    if (!crowns || lit < 0.02) return lit;
    vec2 dir = normalize(SUN.xz);
    for (int i = 0; i < TREES; i++) {
        vec3 radii;
        vec3 c = crown_centre(i, radii);
        // the sun ray's horizontal track passes the crown's axis too far away: skip it
        vec2 oc = c.xz - (p.xz + SUN.xz / SUN.y * (c.y - p.y));
        if (dot(oc, oc) > radii.x * radii.x * 1.2) continue;
        vec2 span = ellipsoid(p, SUN, c, radii);
        if (span.y > max(span.x, 0.0)) lit *= exp(-0.55 * (span.y - max(span.x, 0.0)));
    }
    return lit;
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

// Branch j of tree i: from the trunk up and out into the crown.
void branch(int i, int j, out vec3 pa, out vec3 pb) {
    vec4 tr = TREE[i];
    float fj = float(j);
    float az = fj * 2.2 + CROWN[i].z * 6.28;
    float y0 = tr.w * (0.2 + 0.08 * fj);
    vec3 out_dir = normalize(vec3(cos(az), 0.55 + 0.25 * fj, sin(az)));
    pa = vec3(tr.x, y0, tr.y);
    pb = pa + out_dir * (3.6 - 0.5 * fj);
}

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

// Sphere k of the five that make up the crown of tree i (a lobed, cloud-like crown): centre, radius.
vec4 crown_lobe(int i, int k) {
    vec3 radii;
    vec3 c = crown_centre(i, radii);
    if (k == 0) return vec4(c + vec3(0.0, 0.35 * radii.y, 0.0), 0.72 * radii.x);
    float a = float(k) * 1.5708 + CROWN[i].z * 6.2832;
    vec3 offset = vec3(cos(a) * radii.x * 0.5, -0.15 * radii.y * float(k & 1) - 0.1 * radii.y, sin(a) * radii.x * 0.5);
    return vec4(c + offset, (0.62 - 0.04 * float(k)) * radii.x);
}

// The nearest leafy lobe of tree i along the ray, if nearer than ``best``: its distance, leaf
// cover (ragged at the silhouette, filtered to the pixel) and outward normal.
void crown_lobes(vec3 ro, vec3 rd, int i, inout float best, inout float cover, inout vec3 normal) {
    for (int k = 0; k < 5; k++) {
        vec4 s = crown_lobe(i, k);
        vec3 oc = ro - s.xyz;
        float b = dot(oc, rd);
        float h = b * b - dot(oc, oc) + s.w * s.w;
        if (h <= 0.0) continue;
        float t = -b - sqrt(h);
        if (t <= 0.0 || t >= best) continue;
        vec3 p = ro + rd * t;
        float rim = h / (s.w * s.w);  // 1 at the lobe's centre, 0 at its silhouette
        float fw = t * pixel_angle;
        float leaves = noise(vec2(p.x - 0.6 * p.z, p.y + 0.4 * p.z) * 3.2) * 0.65
            + noise(vec2(p.z + 0.5 * p.x, p.y) * 8.0) * 0.35;
        leaves = mix(0.5, leaves, 1.0 - smoothstep(0.05, 0.2, fw));
        float soft = 0.04 + 1.5 * fw / s.w;
        float c = smoothstep(0.5 - soft, 0.5 + soft, rim * 1.6 + (leaves - 0.5) * 1.1);
        if (c < 0.03) continue;
        best = t;
        cover = c;
        normal = (p - s.xyz) / s.w;
    }
}

// Nearest bark (trunk or branch) along the ray, and the nearest crown lobe with its leaf cover.
Hit bark_and_crowns(vec3 ro, vec3 rd, out float crown_t, out float crown_cover, out vec3 crown_normal, out int crown_tree) {
    Hit hit = Hit(FAR, vec3(0.0, 1.0, 0.0), -1, 0.0);
    crown_t = FAR;
    crown_cover = 0.0;
    crown_normal = vec3(0.0, 1.0, 0.0);
    crown_tree = -1;
    float flat_len = length(rd.xz);
    vec2 dir = rd.xz / max(flat_len, 1e-5);
    for (int i = 0; i < TREES; i++) {
        vec4 tr = TREE[i];
        vec2 to_tree = tr.xy - ro.xz;
        float along = dot(to_tree, dir);
        float reach = CROWN[i].x * 1.6 + 0.5;
        // horizontally too far from the tree's axis, behind us, or beyond the nearest hit so far
        if (along < -reach || dot(to_tree, to_tree) - along * along > reach * reach) continue;
        if ((along - reach) / max(flat_len, 1e-5) > min(hit.t, crown_t)) continue;
        vec3 n;
        float t = trunk_hit(ro, rd, tr, n);
        if (t < hit.t) hit = Hit(t, n, i, 0.0);
        float before = crown_t;
        crown_lobes(ro, rd, i, crown_t, crown_cover, crown_normal);
        if (crown_t < before) crown_tree = i;
        if (CROWN[i].w < 0.5) continue;
        for (int j = 0; j < 4; j++) {
            vec3 pa, pb;
            branch(i, j, pa, pb);
            float tb = capsule_hit(ro, rd, pa, pb, (0.1 - 0.015 * float(j)) * tr.z / 0.34);
            if (tb < hit.t) {
                vec3 p = ro + rd * tb;
                vec3 ba = pb - pa;
                vec3 axis = pa + ba * clamp(dot(p - pa, ba) / dot(ba, ba), 0.0, 1.0);
                hit = Hit(tb, normalize(p - axis), i, 1.0);
            }
        }
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

vec3 bark_colour(vec3 p, vec3 n, int i, float kind, float t) {
    float az = atan(n.x, n.z);
    float fw = t * pixel_angle;
    // vertical furrows, faded once they get finer than two pixels
    float furrow = noise(vec2(az * 5.0 + float(i) * 7.0, p.y * 0.9));
    furrow = mix(0.5, furrow, 1.0 - smoothstep(0.02, 0.08, fw));
    vec3 base = mix(vec3(0.09, 0.075, 0.06), vec3(0.3, 0.26, 0.21), furrow);
    // moss on the side away from the sun, near the ground
    float moss = smoothstep(0.1, -0.6, dot(n.xz, SUN.xz)) * smoothstep(3.0, 0.3, p.y) * (0.5 + 0.5 * furrow);
    base = mix(base, vec3(0.12, 0.2, 0.05), moss * (1.0 - kind));
    float sun = max(dot(n, SUN), 0.0) * sun_visibility(p, true);
    float occlusion = mix(0.45, 1.0, smoothstep(0.0, 1.5, p.y));
    return base * (haze_colour() * 0.9 * occlusion + sun_light() * sun);
}

vec3 crown_colour(vec3 p, vec3 n, vec3 rd, int i) {
    float tint = CROWN[i].z;
    vec3 leaf = mix(vec3(0.08, 0.19, 0.035), vec3(0.22, 0.31, 0.06), tint);
    float clump = noise(vec2(p.x + p.z, p.y) * 1.7);
    float wrap = clamp(0.45 + 0.55 * dot(n, SUN), 0.0, 1.0);
    float sun = sun_visibility(p, false);
    float lit = wrap * wrap * sun * (0.55 + 0.7 * clump);
    float under = mix(0.45, 1.0, smoothstep(-0.8, 0.4, n.y));
    vec3 col = leaf * (haze_colour() * 0.9 * under + sun_light() * lit * 0.8);
    // light through thin leaves at the edge of a lobe where we look towards the sun
    float back = pow(max(dot(rd, SUN), 0.0), 3.0) * (1.0 - abs(dot(n, rd)));
    return col + vec3(0.3, 0.45, 0.06) * back * sun * 1.4;
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
    float stems = stem_band(p, 260.0, 11.0, shade);
    vec3 under = vec3(0.13, 0.17, 0.12) * (haze_colour() * 1.2 + sun_light() * 0.1);
    vec3 trunk = mix(vec3(0.03, 0.035, 0.03), vec3(0.07, 0.07, 0.05), shade);
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
    for (int i = 0; i < 16; i++) {
        float fi = float(i) + 0.5;
        float ti = 1.2 * fi + 0.05 * fi * fi;  // 0.6 m apart near the eye, 2.7 m at 30 m
        if (ti > len) break;
        vec3 p = ro + rd * ti;
        if (p.y > CANOPY) break;
        sum += sun_visibility(p, false) * (ti - prev);
        prev = ti;
    }
    float nu = dot(rd, SUN);
    float phase = 0.3 + 2.5 * pow(max(nu, 0.0), 5.0);
    float density = mix(0.06, 0.14, u_fog) * u_extra;
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
    if (h > 0.22) return col;
    vec2 centre = (cell + 0.25 + 0.5 * vec2(hash12(cell + 1.7), hash12(cell + 9.1))) * CELL;
    float r = 0.025 + 0.02 * h;
    float petal = smoothstep(r + fw, r - fw, length(q - centre)) * detail;
    vec3 bloom = mix(vec3(0.95, 0.95, 0.85), vec3(1.0, 0.85, 0.35), step(0.11, h));
    return mix(col, bloom * 0.55, petal);
}

vec3 ground(vec3 ro, vec3 rd, float t) {
    vec3 p = ro + rd * t;
    float fw = ground_footprint(t, rd);
    float soil = fbm_filtered(p.xz * 0.45, fw * 0.45, 4);
    float litter = fbm_filtered(p.xz * 2.5 + 3.1, fw * 2.5, 4);
    float ferns = smoothstep(0.52, 0.62, fbm_filtered(p.xz * 0.3 + 7.0, fw * 0.3, 3));
    vec3 moss = mix(vec3(0.1, 0.17, 0.04), vec3(0.22, 0.31, 0.07), soil);
    vec3 leaves = mix(vec3(0.17, 0.13, 0.07), vec3(0.3, 0.24, 0.12), litter);
    vec3 col = mix(moss, leaves, 0.55 * smoothstep(0.5, 0.7, soil + 0.35 * (litter - 0.5)));
    col = mix(col, vec3(0.05, 0.12, 0.03) * (0.7 + 0.6 * litter), ferns * 0.8);
    vec2 blades = grass_blades(ro, rd, fw);
    col = mix(col, mix(vec3(0.07, 0.14, 0.035), vec3(0.22, 0.36, 0.09), blades.y), blades.x);
    if (t < 14.0) col = flowers(p.xz, fw, col);
    float lit = sun_visibility(p + vec3(0.0, 0.1 * blades.y, 0.0), true);
    return col * (haze_colour() * 1.1 + sun_light() * SUN.y * lit);
}

vec3 scene(vec3 ro, vec3 rd, out float t) {
    float crown_t, cover;
    vec3 crown_n;
    int ct;
    Hit bark = bark_and_crowns(ro, rd, crown_t, cover, crown_n, ct);
    float tg = rd.y < 0.0 ? -ro.y / rd.y : FAR;
    float tcan = plane_hit(ro, rd, CANOPY);
    float tw = cylinder_exit(ro, rd, WALL_R);
    vec3 col;
    bool wall = false;
    if (bark.t < min(tg, tcan)) {
        t = bark.t;
        col = bark_colour(ro + rd * t, bark.normal, bark.tree, bark.kind, t);
    } else if (tg < min(tcan, tw)) {
        t = tg;
        col = ground(ro, rd, t);
    } else {
        vec3 treeline_col = treeline(ro, rd, tw, wall);
        if (wall && tw < tcan) {
            t = tw;
            col = treeline_col;
        } else if (tcan < FAR) {
            float f = canopy_leaves((ro + rd * tcan).xz);
            vec3 p = ro + rd * tcan;
            vec3 leaf = mix(vec3(0.04, 0.09, 0.025), vec3(0.13, 0.21, 0.05), noise(p.xz * 0.8));
            vec3 through = leaf * (haze_colour() + sun_light() * 0.35 * (1.0 - f) + sun_light() * 0.3 * pow(max(dot(rd, SUN), 0.0), 3.0));
            col = mix(sky(rd), through, f);
            t = f > 0.5 ? tcan : FAR;
        } else {
            t = FAR;
            col = sky(rd);
        }
    }
    // a middle layer of stems on a ring 34 m out, between the glade's trees and the far wood
    float tm = cylinder_exit(ro, rd, 34.0);
    vec3 pm = ro + rd * tm;
    if (tm < t && pm.y > 0.0 && pm.y < 13.0) {
        float shade;
        float band = stem_band(pm, 150.0, 5.0, shade) * step(0.45, shade) * smoothstep(13.0, 7.0, pm.y + 3.0 * shade);
        vec3 stem = mix(vec3(0.05, 0.045, 0.035), vec3(0.12, 0.1, 0.08), shade);
        col = mix(col, stem * (haze_colour() + sun_light() * 0.2), band);
        if (band > 0.5) t = tm;
    }
    if (ct >= 0 && crown_t < t) {
        col = mix(col, crown_colour(ro + rd * crown_t, crown_n, rd, ct), cover);
        if (cover > 0.5) t = crown_t;
    }
    col = apply_fog(col, t, haze_colour() * 1.1);
    col += god_rays(ro, rd, t);
    col += motes(ro, rd, t, u_particles, vec3(1.0, 0.9, 0.55) * 0.6, vec3(1.0, 1.8, -4.5), vec3(8.0, 2.5, 6.0));
    return col;
}

vec3 pacer_colour(float b) {
    return glowing_pacer(b);
}
