// Night sky: stars that twinkle, aurora curtains, slow clouds, a dark meadow and a still lake that
// mirrors the sky. u_extra = aurora.

vec3 stars(vec3 rd) {
    vec3 cell = floor(rd * 140.0);
    float h = hash13(cell);
    float density = mix(0.004, 0.03, u_particles);
    float star = step(1.0 - density, h);
    float twinkle = 0.65 + 0.35 * sin(u_time * (1.5 + 3.0 * fract(h * 91.0)) + h * 40.0);
    vec3 tint = mix(vec3(0.7, 0.8, 1.0), vec3(1.0, 0.9, 0.75), fract(h * 57.0));
    return tint * star * twinkle * (0.6 + 1.6 * fract(h * 13.0));
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

vec3 night_sky(vec3 rd) {
    float y = max(rd.y, 0.0);
    vec3 c = mix(vec3(0.05, 0.07, 0.13), vec3(0.01, 0.015, 0.045), pow(y, 0.5));
    vec2 uv = rd.xz / (rd.y + 0.1);
    float clouds = smoothstep(0.5, 0.8, fbm(uv * 0.5 + vec2(u_flow * 0.02, u_flow * 0.01)));
    vec3 above = stars(rd) + aurora(rd);
    c += above * (1.0 - 0.8 * clouds) * step(0.0, rd.y);
    c += vec3(0.05, 0.06, 0.08) * clouds;
    float h = hills(rd, 0.035);
    if (rd.y < h && rd.y > 0.0) c = vec3(0.01, 0.012, 0.02);
    return c;
}

vec3 scene(vec3 ro, vec3 rd, out float t) {
    vec3 haze = vec3(0.06, 0.07, 0.1);
    float tg = plane_hit(ro, rd, 0.0);
    vec3 col;
    if (tg < FAR && (ro + rd * tg).z > -4.0) {
        t = tg;
        vec3 p = ro + rd * t;
        float blades = noise(p.xz * vec2(12.0, 3.0) + vec2(sin(u_flow + p.x) * u_motion, 0.0));
        col = mix(vec3(0.01, 0.015, 0.02), vec3(0.04, 0.05, 0.06), blades);
    } else {
        float tw = plane_hit(ro, rd, -0.1);
        if (tw < FAR) {
            t = tw;
            vec3 p = ro + rd * t;
            float slope_var;
            vec3 n = water_normal(p.xz, ground_footprint(t, rd), mix(0.05, 0.6, u_motion), slope_var);
            vec3 r = reflect(rd, n);
            r.y = abs(r.y);
            float fresnel = 0.05 + 0.95 * pow(1.0 - max(dot(-rd, n), 0.0), 5.0);
            col = mix(vec3(0.005, 0.01, 0.02), night_sky(r), fresnel * 0.9);
        } else {
            t = FAR;
            col = night_sky(rd);
        }
    }
    if (t < FAR) col = apply_fog(col, t, haze);
    else col = mix(col, haze, u_fog * u_fog * 0.8 * (1.0 - smoothstep(0.0, 0.3, rd.y)));
    col += motes(ro, rd, t, u_particles * 0.5, vec3(0.6, 0.9, 1.0), vec3(0.0, 1.0, -6.0), vec3(12.0, 1.5, 8.0));
    return col;
}

vec3 pacer_colour(float b) {
    return glowing_pacer(b);
}
