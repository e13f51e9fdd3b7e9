"""The words the admin pages show for the tokens stations send: quality verdicts, kiosk states,
calibration results, sensors and devices, phases, metric keys (with their units) and session events.
Each entry is (Simplified Chinese, English); an unknown token is shown as it came, marked
``translate="no"`` by the templates (it is data, not page text)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

Pair = tuple[str, str]

VERDICTS: dict[str, Pair] = {
    "green": ("良好", "good"),
    "amber": ("一般", "fair"),
    "red": ("差", "poor"),
    "absent": ("未连接", "not connected"),
}

CHECK_RESULTS: dict[str, Pair] = {"pass": ("通过", "pass"), "fail": ("未通过", "fail")}

STATION_STATES: dict[str, Pair] = {
    "idle": ("空闲", "idle"),
    "check_in": ("签到中", "checking in"),
    "program": ("选择方案", "choosing a program"),
    "pre_rating": ("练习前评分", "rating before"),
    "sensor_check": ("检查传感器", "checking sensors"),
    "baseline": ("基线测量", "measuring baseline"),
    "session": ("练习中", "in a session"),
    "post_rating": ("练习后评分", "rating after"),
    "summary": ("查看小结", "showing the summary"),
    "technician": ("技术员维护", "technician mode"),
    "maintenance": ("维护中", "maintenance"),
}

SENSORS: dict[str, Pair] = {
    "ECG": ("心率（心电胸带）", "Heart rate (ECG strap)"),
    "PPG": ("心率（指夹）", "Heart rate (finger PPG)"),
    "RR": ("心率（心搏间期）", "Heart rate (RR intervals)"),
    "EEG": ("脑电 EEG", "Brain waves (EEG)"),
    "EDA": ("皮肤电 EDA", "Skin conductance (EDA)"),
}

DEVICES: dict[str, str] = {
    "polar-h10": "Polar H10",
    "muse-s": "Muse S",
    "grove-gsr": "Grove GSR",
    "cms50d": "Contec CMS50D+",
    "openbci-cyton": "OpenBCI Cyton",
    "thinkgear": "NeuroSky ThinkGear",
}

PHASES: dict[str, Pair] = {
    "settle": ("准备", "Settling in"),
    "arrive": ("进入状态", "Arriving"),
    "baseline": ("基线测量", "Baseline"),
    "training": ("反馈训练", "Training"),
    "relax": ("放松", "Relaxing"),
    "practice": ("练习", "Practice"),
    "awareness": ("觉察", "Awareness"),
    "rest": ("休息", "Rest"),
    "cooldown": ("收尾放松", "Cool-down"),
    "closing": ("结束", "Closing"),
    "scan-feet": ("身体扫描：双脚", "Body scan: feet"),
    "scan-torso": ("身体扫描：躯干", "Body scan: torso"),
    "scan-arms": ("身体扫描：手臂", "Body scan: arms"),
    "scan-head": ("身体扫描：头部", "Body scan: head"),
    "end": ("结束后", "After the end"),
}


class Metric(NamedTuple):
    """How a metric key is shown: label and unit in each language, and its decimals."""

    zh: str
    en: str
    unit_zh: str
    unit_en: str
    decimals: int


_M = Metric
METRICS: dict[str, Metric] = {
    "hr": _M("心率", "Heart rate", "次/分", "bpm", 0),
    "hr_bpm": _M("心率", "Heart rate", "次/分", "bpm", 0),
    "ihr": _M("瞬时心率", "Instant heart rate", "次/分", "bpm", 0),
    "rmssd": _M("心率变异性 RMSSD", "HRV RMSSD", "毫秒", "ms", 0),
    "rmssd_ms": _M("心率变异性 RMSSD", "HRV RMSSD", "毫秒", "ms", 0),
    "sdnn": _M("心率变异性 SDNN", "HRV SDNN", "毫秒", "ms", 0),
    "pnn50": _M("相邻心搏差 >50 毫秒占比 pNN50", "pNN50", "%", "%", 0),
    "lf": _M("低频功率 LF", "Low-frequency power (LF)", "毫秒²", "ms²", 0),
    "hf": _M("高频功率 HF", "High-frequency power (HF)", "毫秒²", "ms²", 0),
    "lf_hf": _M("LF/HF 比值", "LF/HF ratio", "", "", 2),
    "coherence": _M("心率协调度", "Heart coherence", "", "", 2),
    "resp_rate": _M("呼吸频率", "Breathing rate", "次/分", "/min", 1),
    "corrected_share": _M("校正心搏占比", "Corrected beats", "%", "%", 1),
    "alpha_rel": _M("α 波相对功率", "Relative alpha power", "", "", 2),
    "alpha_beta": _M("α/β 比值", "Alpha/beta ratio", "", "", 2),
    "theta_alpha": _M("θ/α 比值", "Theta/alpha ratio", "", "", 2),
    "iaf": _M("个体 α 峰频率", "Individual alpha frequency", "Hz", "Hz", 1),
    "faa": _M("额叶 α 不对称", "Frontal alpha asymmetry", "", "", 2),
    "scl": _M("皮肤电导水平", "Skin conductance level", "μS", "μS", 2),
    "scr_rate": _M("皮肤电反应", "Skin conductance responses", "次/分", "/min", 1),
    "target_s": _M("达到目标的时间", "Time on target", "秒", "s", 0),
    "feedback_s": _M("反馈时间", "Feedback time", "秒", "s", 0),
}

PACER_CUES: dict[str, Pair] = {
    "inhale": ("吸气", "Inhale"),
    "exhale": ("呼气", "Exhale"),
    "hold": ("屏息", "Hold"),
}

# event kind -> (zh, en); the detail is rendered by ``event_text``
EVENTS: dict[str, Pair] = {
    "start": ("开始", "Started"),
    "phase": ("进入阶段", "Phase"),
    "pacer": ("呼吸引导", "Breathing guide"),
    "baseline": ("基线已测定", "Baseline measured"),
    "mapping": ("画面反馈", "Scene feedback"),
    "reward": ("达标反馈", "Reward"),
    "safety": ("安全提示", "Safety stop"),
    "alert_technician": ("已通知技术员", "Technician alerted"),
    "assessment_block": ("共振测定段", "Resonance block"),
    "resonance_result": ("共振频率已测定", "Resonance rate measured"),
    "session_end": ("练习结束", "Session ended"),
    "pause": ("暂停", "Paused"),
    "resume": ("继续", "Resumed"),
    "stop": ("提前结束", "Stopped early"),
    "sensor_lost": ("传感器中断", "Sensor lost"),
    "sensor_back": ("传感器恢复", "Sensor back"),
    "recording_unreadable": ("录制文件无法读取", "Recording unreadable"),
}

SWITCHES: dict[str, Pair] = {
    "reward_on": ("达标", "on target"),
    "reward_off": ("未达标", "off target"),
    "mapping_on": ("已启用", "on"),
    "mapping_off": ("已暂停", "paused"),
}

AUDIT_ACTIONS: dict[str, Pair] = {
    "view": ("查看", "viewed"),
    "login": ("登录", "logged in"),
    "login_failed": ("登录失败", "login failed"),
    "logout": ("退出登录", "logged out"),
    "change_password": ("修改密码", "changed password"),
    "change_password_failed": ("修改密码失败", "password change failed"),
    "create_user": ("添加用户", "added user"),
    "disable_user": ("停用用户", "disabled user"),
    "enable_user": ("启用用户", "enabled user"),
    "reset_password": ("重设密码", "reset password"),
    "export": ("导出", "exported"),
    "approve": ("批准配对", "approved pairing"),
    "revoke": ("吊销站点", "revoked station"),
    "clear_pending": ("清除配对请求", "cleared pairing requests"),
    "settings": ("修改设置", "changed settings"),
}

AUDIT_OBJECTS: dict[str, Pair] = {
    "dashboard": ("概览", "dashboard"),
    "sessions": ("使用记录", "sessions"),
    "session": ("一次使用记录", "session"),
    "calibrations": ("校准记录", "calibration log"),
    "stations": ("设备站点", "stations"),
    "station": ("站点", "station"),
    "settings": ("设置", "settings"),
    "topics": ("心情记录", "emotion log"),
    "users": ("用户", "users"),
    "audit": ("审计日志", "audit log"),
}

REASONS: dict[str, Pair] = {
    "flatline": ("信号平直（未接触）", "flat signal (no contact)"),
    "no signal": ("没有信号", "no signal"),
    "not measured": ("未测量", "not measured"),
    "clipping": ("信号饱和", "clipping"),
    "line noise": ("工频干扰", "mains noise"),
    "high impedance": ("接触阻抗过高", "high impedance"),
    "stale": ("数据中断", "no recent data"),
}

TIME_ZONES: dict[str, Pair] = {
    "Asia/Shanghai": ("北京时间", "China Standard Time (Beijing)"),
    "Asia/Urumqi": ("乌鲁木齐时间", "Urumqi time"),
    "Asia/Hong_Kong": ("香港时间", "Hong Kong time"),
    "Asia/Macau": ("澳门时间", "Macau time"),
    "Asia/Taipei": ("台北时间", "Taipei time"),
    "UTC": ("协调世界时 UTC", "UTC"),
}

# an error's detail (by how it starts) -> what the error page says
ERRORS: dict[str, Pair] = {
    "no such session": ("找不到这条使用记录。", "No such session."),
    "no such approved station": ("找不到这个已批准的站点。", "No such approved station."),
    "no such station": ("找不到这个站点。", "No such station."),
    "no such user": ("找不到这个用户。", "No such user."),
    "forbidden": ("您的账户没有权限查看这个页面。", "Your account may not see this page."),
    "CSRF token": ("表单已过期，请返回后重试。", "The form expired; go back and try again."),
    "dates must lie between": ("日期须在 2000-01-01 至 2100-01-01 之间。", "Dates must lie in 2000–2100."),
    "page must be at most": ("页码超出范围。", "No such page."),
    "you cannot disable yourself": ("不能停用自己的账户。", "You cannot disable your own account."),
    "change your own password": ("请在“我的账户”页修改自己的密码。", "Use My account for your own password."),
    "station is not pending with that pairing code": (
        "配对码不对，或该站点不在等待批准：请核对站点屏幕上的配对码，或清除待批准请求后让站点重新申请。",
        "Wrong pairing code, or the station is not waiting: check the code on its screen, or clear the "
        "pending requests and let the station ask again.",
    ),
    "Not Found": ("页面不存在。", "There is no such page."),
    "Method Not Allowed": ("不支持这种请求。", "This request is not allowed here."),
}

CALIBRATION_VALUES: dict[str, tuple[str, str, str]] = {
    "impedance_kohm": ("接触阻抗", "Impedance", "kΩ"),
    "resting_hr_bpm": ("静息心率", "Resting heart rate", "bpm"),
    "hr_bpm": ("心率", "Heart rate", "bpm"),
    "rmssd_ms": ("RMSSD", "RMSSD", "ms"),
    "scl_us": ("皮肤电导", "Skin conductance", "μS"),
}


@dataclass(frozen=True)
class Word:
    """A shown word: ``text``, and whether it is untranslated data (``raw``: the template marks it
    ``translate="no"``)."""

    text: str
    raw: bool = False


@dataclass(frozen=True)
class EventLine:
    """One session event as the detail page's table shows it."""

    t_s: float
    what: Word
    detail: list[Word]


class Vocabulary:
    """The words of one language (``lang`` "zh" or "en")."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.index = 1 if lang == "en" else 0

    def _pick(self, table: dict[str, Pair], token: str | None) -> Word:
        if token is None or token == "":
            return Word("–")
        entry = table.get(token)
        return Word(entry[self.index]) if entry else Word(token, raw=True)

    def verdict(self, token: str | None) -> Word:
        """A quality verdict (green/amber/red/absent)."""
        return self._pick(VERDICTS, token)

    def check(self, token: str | None) -> Word:
        """A calibration result (pass/fail)."""
        return self._pick(CHECK_RESULTS, token)

    def state(self, token: str | None) -> Word:
        """A station's reported kiosk state."""
        return self._pick(STATION_STATES, token)

    def sensor(self, token: str | None) -> Word:
        """A sensor kind (ECG, EEG, …)."""
        return self._pick(SENSORS, token)

    def device(self, token: str) -> Word:
        """A device model by its id (brand names are not translated)."""
        return Word(DEVICES.get(token, token), raw=token not in DEVICES)

    def phase(self, token: str) -> Word:
        """A protocol phase by its id (resonance blocks "rate-5-5" read as "5.5 breaths/min")."""
        if token.startswith("rate-") and token[5:].replace("-", "").isdigit():
            rate = token[5:].replace("-", ".")
            return Word(f"每分钟 {rate} 次呼吸" if self.index == 0 else f"{rate} breaths/min")
        return self._pick(PHASES, token)

    def reason(self, text: str) -> Word:
        """A station's reason text (quality, safety): known ones translated, others shown as sent."""
        return self._pick(REASONS, text.strip().lower()) if text else Word("")

    def zone(self, name: str) -> Word:
        """A time zone's everyday name (an IANA name the list does not know is shown as it is)."""
        return self._pick(TIME_ZONES, name)

    def error(self, detail: object) -> Word | None:
        """What the error page says for an error's ``detail`` (None when the vocabulary lacks it)."""
        text = str(detail)
        entry = next((pair for start, pair in ERRORS.items() if text.startswith(start)), None)
        return Word(entry[self.index]) if entry else None

    def action(self, token: str) -> Word:
        """An audit-log action."""
        return self._pick(AUDIT_ACTIONS, token)

    def audit_target(self, target: str) -> list[Word]:
        """An audit line's object: its first word translated, the rest (ids, dates) as recorded."""
        head, _, rest = target.partition(" ")
        if head not in AUDIT_OBJECTS:
            return [Word(target, raw=True)] if target else []
        return [self._pick(AUDIT_OBJECTS, head)] + ([Word(rest, raw=True)] if rest else [])

    def metric(self, key: str) -> Word:
        """A metric's label with its unit, e.g. "心率（次/分）"."""
        entry = METRICS.get(key)
        if entry is None:
            return Word(key, raw=True)
        label, unit = (entry.en, entry.unit_en) if self.index else (entry.zh, entry.unit_zh)
        if not unit:
            return Word(label)
        return Word(f"{label}（{unit}）" if self.index == 0 else f"{label} ({unit})")

    def metric_value(self, key: str, value: float | None) -> str:
        """A metric's value with as many decimals as it deserves."""
        if value is None:
            return "–"
        decimals = METRICS[key].decimals if key in METRICS else 3
        return f"{value:.{decimals}f}"

    def calibration_values(self, values: dict[str, Any]) -> list[Word]:
        """A calibration's measured values, each as "label value unit"."""
        shown = []
        for key, value in sorted(values.items()):
            entry = CALIBRATION_VALUES.get(key)
            number = f"{value:.3g}" if isinstance(value, int | float) else str(value)
            if entry is None:
                shown.append(Word(f"{key} = {number}", raw=True))
            else:
                shown.append(Word(f"{entry[self.index]} {number} {entry[2]}"))
        return shown

    def event(self, kind: str, detail: str, t_s: float) -> EventLine:
        """One event: its kind in words and its detail (JSON or plain text) as readable words."""
        return EventLine(t_s, self._pick(EVENTS, kind), self._event_detail(kind, _parsed(detail)))

    def _event_detail(self, kind: str, data: dict[str, Any]) -> list[Word]:
        zh = self.index == 0
        if kind == "phase":
            phase = str(data.get("id") or data.get("text") or "")
            words = [self.phase(phase)] if phase else []
            if isinstance(data.get("duration_s"), int | float):
                seconds = round(float(data["duration_s"]))
                words.append(Word(f"{seconds} 秒" if zh else f"{seconds} s"))
            return words
        if kind == "pacer":
            return [self._pick(PACER_CUES, str(data.get("cue", "")))] if data.get("cue") else []
        if kind in ("sensor_lost", "sensor_back"):
            words = [self.sensor(str(data.get("kind", "")))]
            if data.get("reason"):
                words.append(self.reason(str(data["reason"])))
            if isinstance(lost := data.get("lost_s"), int | float):
                words.append(Word(f"中断 {lost:.0f} 秒" if zh else f"lost for {lost:.0f} s"))
            return words
        if kind == "reward":
            return [self._pick(SWITCHES, "reward_on" if data.get("on") else "reward_off")]
        if kind == "mapping":
            words = [self._pick(SWITCHES, "mapping_on" if data.get("active") else "mapping_off")]
            return words + ([self.reason(str(data["reason"]))] if data.get("reason") else [])
        return self._generic_detail(data)

    def _generic_detail(self, data: dict[str, Any]) -> list[Word]:
        words = []
        for key, value in data.items():
            if key in ("reason", "text"):
                words.append(self.reason(str(value)))
            elif key in ("elapsed", "paused_s") and isinstance(value, int | float):
                words.append(Word(f"{value:.0f} 秒" if self.index == 0 else f"{value:.0f} s"))
            elif not isinstance(value, dict | list):
                words.append(Word(f"{key}: {value}", raw=True))
        return words


def _parsed(detail: str) -> dict[str, Any]:
    """An event's detail: a JSON object as sent by current stations, or older plain text."""
    if not detail:
        return {}
    try:
        data = json.loads(detail)
    except ValueError:
        return {"text": detail}
    return data if isinstance(data, dict) else {"text": detail}
