"""Every string the kiosk shows, Simplified Chinese first, English second."""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "attract_title": ("欢迎来到减压驿站", "Welcome to the relaxation station"),
    "attract_hint": ("轻触屏幕开始放松", "Touch the screen to begin"),
    "begin": ("开始", "Begin"),
    "language": ("English", "中文"),
    "technician": ("技术员", "Technician"),
    "check_in_title": ("请输入您的编号", "Enter your code"),
    "check_in_hint": ("编号共 7 位，不需要姓名", "7 characters, no name needed"),
    "new_code": ("我是新用户", "I am new here"),
    "your_new_code": ("您的新编号：{code}（请记下）", "Your new code: {code} (please note it)"),
    "confirm": ("确定", "OK"),
    "delete": ("删除", "Delete"),
    "back": ("返回", "Back"),
    "invalid_code": ("编号有误，请检查后重新输入", "That code is not valid; please check it"),
    "program_title": ("请选择放松项目", "Choose a program"),
    "minutes": ("{n} 分钟", "{n} min"),
    "pre_rating_title": ("开始前，您现在的感受如何？", "Before we start, how do you feel?"),
    "post_rating_title": ("结束了，您现在的感受如何？", "All done. How do you feel now?"),
    "stress_label": ("压力 (0 = 完全放松，10 = 非常紧张)", "Stress (0 = fully relaxed, 10 = very tense)"),
    "mood_label": ("心情", "Mood"),
    "mood_1": ("很差", "Very low"),
    "mood_2": ("较差", "Low"),
    "mood_3": ("一般", "Okay"),
    "mood_4": ("较好", "Good"),
    "mood_5": ("很好", "Very good"),
    "next": ("下一步", "Next"),
    "skip": ("跳过", "Skip"),
    "sensor_title": ("正在检查传感器", "Checking the sensors"),
    "sensor_wait": ("请稍候，戴好头显和传感器", "Please wait; put on the headset and sensors"),
    "sensor_good": ("良好", "Good"),
    "sensor_degraded": ("一般", "Fair"),
    "sensor_bad": ("未就绪", "Not ready"),
    "fix_EDA": ("请湿润指尖电极并贴紧手指", "Moisten the EDA finger electrodes and fit them snugly"),
    "fix_ECG": ("请调整胸带，使电极贴紧皮肤", "Adjust the chest strap so the electrodes touch the skin"),
    "fix_PPG": ("请将手指完全放入指夹", "Put your finger all the way into the clip"),
    "fix_EEG": ("请调整头带，使电极贴紧额头和耳后", "Adjust the headband so the electrodes touch the skin"),
    "fix_RESP": ("请调整呼吸带", "Adjust the breathing belt"),
    "start_anyway": ("开始", "Start"),
    "baseline_title": ("先安静休息一会儿", "First, rest quietly for a moment"),
    "session_title": ("放松进行中", "Relaxing"),
    "paused": ("已暂停：请戴好头显以继续", "Paused: put the headset back on to continue"),
    "remaining": ("剩余 {m}:{s:02d}", "{m}:{s:02d} left"),
    "stop": ("结束", "Stop"),
    "summary_title": ("本次放松小结", "Your session"),
    "summary_none": ("本次数据不足，无法比较", "Not enough data to compare this time"),
    "done": ("完成", "Done"),
    "pin_title": ("技术员密码", "Technician PIN"),
    "pin_rejected": ("密码错误", "Wrong PIN"),
    "pin_locked": ("尝试次数过多，请稍后再试", "Too many tries; please wait"),
    "technician_title": ("技术员模式", "Technician mode"),
    "exit_technician": ("退出技术员模式", "Exit technician"),
    "no_streams": ("未发现传感器数据流", "No sensor streams found"),
    "pairing_wait": ("等待管理员批准配对 · 配对码 {code}",
                     "Waiting for the admin to approve pairing · code {code}"),
}


def text(key: str, language: str, **values: object) -> str:
    """The string for ``key`` in ``language`` ("zh-CN" or "en"), formatted with ``values``."""
    zh, en = TEXTS[key]
    return (zh if language == "zh-CN" else en).format(**values)
