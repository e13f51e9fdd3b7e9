// Forest glade: a ring of tree trunks around the seated user, a leafy canopy with gaps, shafts of
// light falling through it, grass moving in the wind, and fireflies. u_extra = shafts.

const float CANOPY = 11.0;

vec3 sun_dir() {
    return normalize(vec3(-0.35, 1.0, -0.45));
}

// Foliage density of the canopy at a point of its plane (0 gap, 1 leaves); a clear glade overhead.
float leaves(vec2 p) {
    vec2 sway = vec2(sin(u_flow * 0.5), cos(u_flow * 0.4)) * 0.25 * u_motion;
    float n = fbm(p * 0.22 + sway);
    float glade = smoothstep(4.0, 12.0, length(p));
    return smoothstep(0.38, 0.52, n) * mix(0.35, 1.0, glade);
}

// Nearest trunk along the ray: its distance, and the hit's horizontal normal.
float trunks(vec3 ro, vec3 rd, out vec3 normal) {
    float best = FAR;
    normal = vec3(0.0, 1.0, 0.0);
    vec2 d = rd.xz;
    float a = dot(d, d);
    if (a < 1e-6) return FAR;
    for (int i = 0; i < 14; i++) {
        float fi = float(i);
        float ang = fi / 14.0 * 2.0 * PI + hash12(vec2(fi, 2.0)) * 0.35;
        float dist = 6.0 + 7.0 * hash12(vec2(fi, 5.0));
        vec2 c = vec2(sin(ang), -cos(ang)) * dist;
        float rad = 0.22 + 0.2 * hash12(vec2(fi, 9.0));
        vec2 oc = ro.xz - c;
        float b = dot(oc, d);
        float cc = dot(oc, oc) - rad * rad;
        float disc = b * b - a * cc;
        if (disc < 0.0) continue;
        float t = (-b - sqrt(disc)) / a;
        float y = ro.y + rd.y * t;
        if (t > 0.0 && t < best && y < CANOPY + 1.0 && y > 0.0) {
            best = t;
            vec2 nn = normalize(ro.xz + d * t - c);
            normal = vec3(nn.x, 0.0, nn.y);
        }
    }
    return best;
}

vec3 sky(vec3 rd) {
    return mix(vec3(0.75, 0.85, 0.8), vec3(0.35, 0.55, 0.75), max(rd.y, 0.0));
}

// Light scattered along the ray where it passes through sunlit columns below canopy gaps.
float shafts(vec3 ro, vec3 rd, float t) {
    float len = min(t, 24.0);
    float sum = 0.0;
    vec3 s = sun_dir();
    for (int i = 0; i < 8; i++) {
        float ti = (float(i) + 0.5) / 8.0 * len;
        vec3 p = ro + rd * ti;
        if (p.y > CANOPY) break;
        vec2 q = p.xz + s.xz / s.y * (CANOPY - p.y);
        sum += (1.0 - leaves(q)) * (len / 8.0);
    }
    return sum;
}

vec3 scene(vec3 ro, vec3 rd, out float t) {
    vec3 haze = vec3(0.3, 0.4, 0.3);
    vec3 light = vec3(1.0, 0.92, 0.75);
    vec3 n;
    float tt = trunks(ro, rd, n);
    float tg = plane_hit(ro, rd, 0.0);
    float tc = plane_hit(ro, rd, CANOPY);
    vec3 col;
    if (tt < tg && tt < tc) {
        t = tt;
        vec3 p = ro + rd * t;
        float bark = noise(vec2(atan(n.x, n.z) * 6.0, p.y * 1.5));
        col = mix(vec3(0.07, 0.05, 0.035), vec3(0.2, 0.15, 0.1), bark);
        col *= 0.45 + 0.8 * max(dot(n, sun_dir()), 0.0);
    } else if (tg < tc) {
        t = tg;
        vec3 p = ro + rd * t;
        vec2 wind = vec2(u_flow * 1.3, 0.0);
        float sway = sin(u_flow * 2.0 + p.x * 0.8 + p.z * 0.5) * u_motion;
        // band-limited, isotropic ground cover: no radial smear at the feet
        float blades = fbm_filtered(p.xz * 3.0 + wind * 0.15 + vec2(sway * 0.3, 0.0), ground_footprint(t, rd) * 3.0, 4);
        blades = clamp((blades - 0.5) * 1.8 + 0.5, 0.0, 1.0);
        col = mix(vec3(0.06, 0.12, 0.04), vec3(0.25, 0.38, 0.12), blades);
        vec2 q = p.xz + sun_dir().xz / sun_dir().y * CANOPY;
        float lit = 1.0 - leaves(q);
        col *= 0.35 + 1.4 * lit;
    } else if (tc < FAR) {
        t = tc;
        vec3 p = ro + rd * t;
        float f = leaves(p.xz);
        vec3 leaf = mix(vec3(0.05, 0.11, 0.04), vec3(0.2, 0.32, 0.1), noise(p.xz * 1.5));
        col = mix(sky(rd) * 1.3, leaf, f);
        t = mix(FAR, t, step(0.5, f));
    } else {
        t = FAR;
        col = sky(rd);
    }
    col = apply_fog(col, t, haze);
    float density = mix(0.01, 0.035, u_fog);
    col += light * shafts(ro, rd, t) * density * mix(0.0, 2.2, u_extra);
    col += motes(ro, rd, t, u_particles, vec3(0.8, 1.0, 0.4), vec3(0.0, 1.2, -4.0), vec3(12.0, 1.8, 8.0));
    return col;
}

vec3 pacer_colour(float b) {
    return glowing_pacer(b);
}
