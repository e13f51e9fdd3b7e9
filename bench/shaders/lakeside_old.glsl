// Lakeside at dusk: sky gradient and sun glow, a lake with waves reflecting the sky, a grassy
// shore around the seated user, distant hills, fog, and glowing motes over the water.
// u_extra = sun_height.

vec3 sun_dir() {
    float elevation = mix(0.015, 0.3, u_extra);
    return normalize(vec3(0.35, elevation, -1.0));
}

vec3 sky(vec3 rd) {
    float bright = mix(0.55, 1.25, u_extra);
    float y = max(rd.y, 0.0);
    vec3 horizon = mix(vec3(1.0, 0.45, 0.25), vec3(0.95, 0.7, 0.5), u_extra);
    vec3 zenith = vec3(0.10, 0.14, 0.34);
    vec3 c = mix(horizon, zenith, pow(y, 0.45)) * bright;
    float s = max(dot(rd, sun_dir()), 0.0);
    c += vec3(1.0, 0.55, 0.25) * (pow(s, 6.0) * 0.45 + pow(s, 64.0) * 0.8) * bright;
    c += vec3(1.4, 1.0, 0.7) * smoothstep(0.9994, 0.9997, s) * 3.0;
    // thin high clouds catching the light
    vec2 uv = rd.xz / (rd.y + 0.08);
    float cl = smoothstep(0.55, 0.85, fbm(uv * 0.6 + vec2(u_flow * 0.01, 0.0)));
    c = mix(c, horizon * 1.1 * bright, cl * 0.5 * smoothstep(0.0, 0.1, rd.y));
    return c;
}

vec3 far_view(vec3 rd) {
    // sky above, dark blue-grey hills on the far shore
    vec3 c = sky(rd);
    float h = hills(rd, 0.05);
    if (rd.y < h && rd.y > 0.0) c = mix(vec3(0.10, 0.10, 0.16), sky(vec3(rd.x, 0.0, rd.z)), 0.45);
    return c;
}

bool on_shore(vec2 p) {
    // the user sits on a grassy shore; the lake begins about three metres ahead
    return p.y > -3.0 + 0.7 * sin(p.x * 0.35) + 0.3 * sin(p.x * 1.3);
}

vec3 scene(vec3 ro, vec3 rd, out float t) {
    vec3 haze = mix(vec3(0.55, 0.45, 0.5), vec3(0.95, 0.6, 0.42), u_extra) * mix(0.6, 1.1, u_extra);
    float tg = plane_hit(ro, rd, 0.0);
    if (tg < FAR && on_shore((ro + rd * tg).xz)) {
        t = tg;
        vec3 p = ro + rd * t;
        float sway = sin(u_flow * 1.4 + p.x * 1.7 + p.z * 0.9) * 0.5 + 0.5;
        float blades = noise(p.xz * vec2(14.0, 3.0) + vec2(sway * u_motion * 2.0, 0.0));
        vec3 grass = mix(vec3(0.10, 0.12, 0.05), vec3(0.30, 0.28, 0.12), blades) * mix(0.5, 1.0, u_extra);
        grass += vec3(0.25, 0.12, 0.05) * max(dot(sun_dir(), vec3(0.0, 1.0, 0.0)), 0.0);
        return apply_fog(grass, t, haze);
    }
    float tw = plane_hit(ro, rd, -0.15);
    if (tw < FAR) {
        t = tw;
        vec3 p = ro + rd * t;
        float amp = mix(0.05, 0.6, u_motion);
        vec3 n = water_normal(p.xz * 0.7, t, amp);
        vec3 r = reflect(rd, n);
        r.y = abs(r.y);
        float fresnel = 0.03 + 0.97 * pow(1.0 - max(dot(-rd, n), 0.0), 5.0);
        vec3 deep = vec3(0.03, 0.05, 0.08);
        vec3 col = mix(deep, far_view(r), fresnel);
        col += motes(ro, rd, t, u_particles, vec3(1.0, 0.75, 0.4), vec3(0.0, 0.9, -9.0), vec3(14.0, 1.4, 10.0));
        return apply_fog(col, t, haze);
    }
    t = FAR;
    vec3 col = far_view(rd);
    col += motes(ro, rd, t, u_particles, vec3(1.0, 0.75, 0.4), vec3(0.0, 0.9, -9.0), vec3(14.0, 1.4, 10.0));
    return mix(col, haze, u_fog * u_fog * 0.85 * (1.0 - smoothstep(0.0, 0.35, rd.y)));
}
