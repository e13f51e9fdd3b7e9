"""Page text in Simplified Chinese (default) and English."""

from __future__ import annotations

from collections.abc import Callable

LANGS = ("zh", "en")

WEEKDAYS = {
    "zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}

TEXT: dict[str, tuple[str, str]] = {
    "app_name": ("减压驿站管理", "Oasis admin"),
    "skip": ("跳到正文", "Skip to content"),
    "nav_dashboard": ("概览", "Dashboard"),
    "nav_sessions": ("使用记录", "Sessions"),
    "nav_stations": ("设备站点", "Stations"),
    "nav_calibrations": ("校准记录", "Calibration log"),
    "nav_users": ("用户", "Users"),
    "nav_settings": ("设置", "Settings"),
    "nav_audit": ("审计日志", "Audit log"),
    "logout": ("退出登录", "Log out"),
    "login": ("登录", "Log in"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "err_bad_login": ("用户名或密码错误。", "Wrong user name or password."),
    "err_rate_limited": ("尝试次数过多，请稍后再试。", "Too many attempts; try again later."),
    "err_csrf": ("表单已过期，请重试。", "The form expired; please try again."),
    "error": ("出错了", "Error"),
    "back": ("返回", "Back"),
    "from": ("开始日期", "From"),
    "to": ("结束日期", "To"),
    "station": ("站点", "Station"),
    "all": ("全部", "All"),
    "apply": ("筛选", "Apply"),
    "program": ("方案", "Program"),
    "outcome": ("结果", "Outcome"),
    "status_completed": ("完成", "completed"),
    "status_aborted": ("中止", "aborted"),
    "status_incomplete": ("未完成", "incomplete"),
    "sessions_total": ("使用次数", "Sessions"),
    "officers": ("使用人数", "Officers"),
    "mean_duration": ("平均时长", "Mean duration"),
    "median_duration": ("中位时长", "Median duration"),
    "completion_rate": ("完成率", "Completion rate"),
    "minutes": ("分钟", "min"),
    "target": ("目标", "Target"),
    "per_day_unit": ("次/天", "per day"),
    "chart_per_station": ("各站点日均使用次数", "Sessions per day, per station"),
    "chart_per_day": ("每日每站使用次数", "Sessions per station, day by day"),
    "chart_heatmap": ("使用时段分布（星期 × 小时）", "When stations are used (weekday × hour)"),
    "chart_stress": ("压力评分变化分布（后 − 前）", "Change in stress rating (after − before)"),
    "stress_hint": ("负值表示压力下降。", "Negative means stress went down."),
    "hidden_k": (
        "人数少于 {k} 人，为保护隐私不显示汇总。",
        "Fewer than {k} officers: aggregates hidden for privacy.",
    ),
    "officer": ("人员代码", "Officer code"),
    "started": ("开始时间 (UTC)", "Started (UTC)"),
    "duration": ("时长", "Duration"),
    "stress": ("压力 前→后", "Stress before→after"),
    "mood": ("情绪 前→后", "Mood before→after"),
    "quality": ("数据质量", "Data quality"),
    "sensor_loss": ("传感器中断", "Sensor lost"),
    "sensor_loss_hint": (
        "练习中有传感器失去信号，这段时间没有测量，结果仅供参考。",
        "A sensor lost its signal during the session; that time was not measured.",
    ),
    "usable_feedback": ("有效反馈", "Usable feedback"),
    "sensor_loss_sessions": ("传感器中断的练习", "Sessions with sensor loss"),
    "details": ("详情", "Details"),
    "page": ("页", "Page"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "no_rows": ("没有记录。", "Nothing here."),
    "export_csv": ("导出 CSV", "Export CSV"),
    "session_detail": ("使用记录详情", "Session"),
    "phases": ("阶段", "Phases"),
    "phase": ("阶段", "Phase"),
    "phase_metric": ("各阶段指标", "Metric by phase"),
    "events": ("事件", "Events"),
    "time_s": ("时间 (秒)", "Time (s)"),
    "kind": ("类型", "Kind"),
    "detail": ("说明", "Detail"),
    "usable": ("可用比例", "Usable share"),
    "online": ("在线", "online"),
    "offline": ("离线", "offline"),
    "on_network": ("局域网可见", "seen on network"),
    "state": ("状态", "State"),
    "pairing": ("配对", "Pairing"),
    "st_pending": ("待批准", "pending"),
    "st_approved": ("已批准", "approved"),
    "st_revoked": ("已吊销", "revoked"),
    "last_heartbeat": ("最近心跳", "Last heartbeat"),
    "last_sync": ("最近同步", "Last sync"),
    "sensors": ("传感器", "Sensors"),
    "calibration_due": ("校准到期", "Calibration due"),
    "due_now": ("需校准", "due"),
    "version": ("版本", "Version"),
    "free_disk": ("剩余空间", "Free disk"),
    "backlog": ("待同步", "Backlog"),
    "pairing_code": ("配对码", "Pairing code"),
    "approve": ("批准", "Approve"),
    "revoke": ("吊销", "Revoke"),
    "cancel": ("取消", "Cancel"),
    "whole_weeks_hint": (
        "为保护个人隐私，统计按整周（周一至周日）计算。",
        "To protect privacy, figures cover whole weeks (Monday to Sunday).",
    ),
    "weeks_left_out": (
        "有 {n} 周的使用人数少于 {k} 人，未计入以上统计。",
        "Left out of these figures: {n} week(s) with fewer than {k} officers.",
    ),
    "code_on_station": ("请输入该站点屏幕上显示的配对码", "Type the code shown on the station's screen"),
    "revoked_how_back": (
        "站点再次申请配对后，可在此重新批准",
        "Approve it again here once the station asks to pair again",
    ),
    "pending_count": ("有 {n} 个站点在等待批准配对。", "Stations waiting for pairing approval: {n}."),
    "clear_pending": ("清除全部待批准请求", "Clear all pending requests"),
    "revoke_title": ("吊销站点", "Revoke station"),
    "revoke_explain": (
        "吊销后，该站点的凭据立即失效，无法再上传数据；已上传的记录会保留。"
        "站点会自动重新申请配对，届时在“设备站点”页输入其屏幕上的配对码即可重新批准。",
        "Revoking stops the station's token at once: it can no longer upload; what it uploaded stays. "
        "The station asks to pair again by itself; approve it on the Stations page with the code its "
        "screen shows.",
    ),
    "revoke_type_id": ("请输入站点编号 {id} 以确认", "Type the station id {id} to confirm"),
    "err_revoke_confirm": (
        "输入的站点编号不一致，未吊销。",
        "The id typed does not match; nothing was revoked.",
    ),
    "discovered": ("局域网发现、尚未申请配对的站点", "Seen on the network, not yet asking to pair"),
    "device": ("设备", "Device"),
    "sensor": ("传感器", "Sensor"),
    "performed": ("时间 (UTC)", "When (UTC)"),
    "technician": ("技术员", "Technician"),
    "result": ("结果", "Result"),
    "values": ("数值", "Values"),
    "next_due": ("下次到期", "Next due"),
    "notes": ("备注", "Notes"),
    "role": ("角色", "Role"),
    "role_admin": ("管理员", "admin"),
    "role_technician": ("技术员", "technician"),
    "created": ("创建时间", "Created"),
    "disabled": ("已停用", "disabled"),
    "active": ("启用", "active"),
    "disable": ("停用", "Disable"),
    "add_user": ("添加用户", "Add user"),
    "enable": ("重新启用", "Re-enable"),
    "reset_password": ("重设密码", "Reset password"),
    "nav_account": ("我的账户", "My account"),
    "change_password": ("修改密码", "Change password"),
    "current_password": ("当前密码", "Current password"),
    "new_password": ("新密码（至少 8 位）", "New password (8+ characters)"),
    "confirm_password": ("再次输入新密码", "New password again"),
    "password_changed": (
        "密码已修改，其他设备上的登录已退出。",
        "Password changed; your other logins were ended.",
    ),
    "err_password_mismatch": ("两次输入的新密码不一致。", "The two new passwords differ."),
    "err_wrong_password": ("当前密码不正确。", "The current password is wrong."),
    "err_password_short": ("新密码至少需要 8 个字符。", "The new password needs at least 8 characters."),
    "err_password_long": ("密码最多 128 个字符。", "A password has at most 128 characters."),
    "err_password_common": (
        "这个密码太常见，很容易被猜到，请换一个。",
        "That password is too common and easily guessed; choose another.",
    ),
    "err_password_name": ("密码里不能包含用户名。", "A password must not contain the user name."),
    "err_password_simple": (
        "密码太简单（重复或连续的字符），请换一个。",
        "That password is too simple (repeated or consecutive characters); choose another.",
    ),
    "k_anonymity": ("汇总最少人数 k", "Minimum officers per aggregate (k)"),
    "target_per_day": ("每站日使用目标", "Target uses per station per day"),
    "retention_days": ("使用与校准记录保留天数", "Keep sessions and calibrations (days)"),
    "audit_retention_days": ("审计日志保留天数", "Keep audit log (days)"),
    "save": ("保存", "Save"),
    "removed": (
        "已按保留期删除 {n} 条记录、{a} 条审计日志。",
        "Retention removed {n} records and {a} audit lines.",
    ),
    "at": ("时间 (UTC)", "When (UTC)"),
    "actor": ("操作人", "Who"),
    "action": ("操作", "Action"),
    "target_col": ("对象", "What"),
    "language": ("语言", "Language"),
    # the emotion log's k-anonymous counts (topic_pages.py)
    "nav_topics": ("心情记录", "Emotion log"),
    "topics_intro": (
        "每月在练习前选择各项的警员人数；少于 {k} 人的格子不显示。",
        "Officers who named each topic before a session, per month; cells under {k} officers are hidden.",
    ),
    "topics_month": ("月份", "Month"),
    "reminders_heading": ("心理咨询提醒", "Counsellor suggestions"),
    "reminders_intro": (
        "各终端每月向开启了提醒的警员建议联系心理咨询师的次数（只汇总次数，不含警员身份）；"
        "少于 {k} 次的月份不显示。",
        "How many times a month the kiosks suggested the room's counsellor to officers who asked for the "
        "reminder (all stations together, never which officer); months under {k} are hidden.",
    ),
    "reminders_shown": ("建议次数", "Suggestions shown"),
    "topic_case_load": ("案件压力", "Case load"),
    "topic_conflict": ("工作冲突", "Conflict at work"),
    "topic_family": ("家庭", "Family"),
    "topic_sleep": ("睡眠", "Sleep"),
    "topic_health": ("健康", "Health"),
    "topic_other": ("其他", "Other"),
    "topic_skip": ("跳过", "Skipped"),
    # remote configuration (fleet_pages.py, fleet_station_cell.html)
    "nav_rooms": ("驿站与配置", "Rooms & configuration"),
    "nav_protocols": ("方案库", "Protocol library"),
    "rooms_intro": (
        "按“法院 → 驿站 → 设备站点”组织设备。驿站的设置适用于其中所有站点，站点自己的设置优先。",
        "Stations are organised court → room → station. A room's settings apply to all its "
        "stations; a station's own settings take precedence.",
    ),
    "court": ("法院", "Court"),
    "room": ("驿站", "Room"),
    "room_add": ("添加驿站", "Add room"),
    "room_none": ("（未分配）", "(none)"),
    "room_stations": ("站点所属驿站", "Which room each station is in"),
    "cfg_settings": ("配置", "Configuration"),
    "cfg_room_settings": ("驿站配置", "Room settings"),
    "cfg_station_settings": ("站点配置", "Station settings"),
    "cfg_title_room": ("驿站配置", "Room settings"),
    "cfg_title_station": ("站点配置", "Station settings"),
    "cfg_intro_room": (
        "留空的项目沿用各站点 station.toml 中的设置。每次保存修改都会生成新的配置版本，"
        "站点在空闲时（没有人在练习）自动应用。",
        "Empty fields keep each station's own station.toml value. Every saved change is a new "
        "configuration version, applied by each station when it is idle (no session running).",
    ),
    "cfg_intro_station": (
        "这里的设置优先于所属驿站的设置；留空则沿用驿站设置，驿站也未设置时沿用 station.toml。",
        "Settings here override the room's; empty fields take the room's value, or station.toml's "
        "when the room sets none.",
    ),
    "cfg_inherit": ("（沿用上级设置）", "(inherit)"),
    "cfg_programs": ("提供的练习方案及顺序", "Programs offered, in order"),
    "cfg_programs_hint": (
        "方案编号，用逗号分隔，按显示顺序排列，例如 quick-reset, coherent-breathing。",
        "Program ids separated by commas, in the order shown, e.g. quick-reset, coherent-breathing.",
    ),
    "cfg_scene": ("默认场景", "Default scene"),
    "cfg_scene_hint": ("头显中默认显示的场景。", "The scene the headset shows by default."),
    "cfg_known_programs": ("可选方案：", "Programs available: "),
    "cfg_language": ("默认语言", "Default language"),
    "cfg_language_hint": ("每位警员仍可在屏幕上切换语言。", "Each officer can still switch on screen."),
    "lang_zh-CN": ("简体中文", "Simplified Chinese"),
    "lang_en": ("英文", "English"),
    "cfg_help_line": ("心理咨询 24 小时热线", "Counsellor's 24-hour line"),
    "cfg_help_line_hint": (
        "向开启提醒的警员显示，最多 40 个字符。",
        "Shown to officers who asked for reminders; at most 40 characters.",
    ),
    "cfg_retention_days": ("原始记录保留天数", "Keep raw recordings (days)"),
    "cfg_retention_days_hint": (
        "站点上超过此天数的 XDF 原始记录会被删除，使用摘要保留。",
        "XDF recordings older than this are deleted at the station; summaries are kept.",
    ),
    "cfg_library": ("方案库版本", "Protocol library version"),
    "cfg_library_hint": (
        "只能选择已上传并通过校验的版本（见“方案库”页）。",
        "Only versions uploaded and validated here can be chosen (see Protocol library).",
    ),
    "cfg_quiet_hours": ("休息时段", "Quiet hours"),
    "cfg_quiet_hours_hint": (
        "这段时间内不能开始新的练习，格式 HH:MM-HH:MM（可跨午夜，如 22:00-07:00）。",
        "No session starts in these hours; HH:MM-HH:MM, may span midnight (22:00-07:00).",
    ),
    "cfg_room_value": ("驿站设置为：{value}", "The room sets: {value}"),
    "cfg_save": ("保存为新版本", "Save as a new version"),
    "cfg_saved": (
        "已保存为配置版本 v{v}，站点空闲时会自动应用。",
        "Saved as version v{v}; stations apply it when idle.",
    ),
    "cfg_unchanged": ("没有修改，未生成新版本。", "Nothing changed; no new version."),
    "cfg_error": ("“{name}”的格式不正确，未保存。", "“{name}” is not valid; nothing was saved."),
    "cfg_versions": ("配置版本记录", "Configuration versions"),
    "cfg_change": ("修改内容", "Change"),
    "cfg_column": ("远程配置", "Remote configuration"),
    "cfg_desired": ("目标", "desired"),
    "cfg_applied": ("已应用", "applied"),
    "cfg_refused": ("拒绝了 v{v}", "refused v{v}"),
    "cfg_none": ("未下发配置", "none assigned"),
    "cfg_refusal_said": ("站点给出的原因：", "The station says: "),
    "cfg_in_maintenance": ("维护中", "in maintenance"),
    "cfg_pending_actions": ("待执行", "Pending"),
    "cfg_diagnostics_download": ("下载诊断包", "Download diagnostics"),
    "cfg_manage": ("管理", "Manage"),
    "act_restart": ("重启站点程序", "Restart the kiosk"),
    "act_maintenance_on": ("进入维护模式", "Enter maintenance"),
    "act_maintenance_off": ("结束维护模式", "Leave maintenance"),
    "act_diagnostics": ("获取诊断包", "Request diagnostics"),
    "act_restart_explain": (
        "站点会在当前练习结束、回到待机画面后重启程序，不会打断正在进行的练习。",
        "The station restarts its kiosk program once it is back on the attract screen; a session in "
        "progress is never interrupted.",
    ),
    "act_maintenance_on_explain": (
        "站点待机画面将显示“设备维护中”，不能开始新的练习；正在进行的练习会正常结束。",
        "The attract screen says the station is under maintenance and no session can start; a "
        "session in progress finishes normally.",
    ),
    "act_maintenance_off_explain": (
        "站点恢复正常使用，待机画面重新显示“开始”按钮。",
        "The station is back in use; the attract screen offers Begin again.",
    ),
    "act_diagnostics_explain": (
        "站点会上传 oasis station check 的结果和最近的运行日志（已去除所有警员代码），"
        "上传后可在“设备站点”页下载。",
        "The station uploads the output of oasis station check and its recent log lines (every "
        "officer code removed); download it on the Stations page once it arrives.",
    ),
    "act_confirm": ("确认执行", "Confirm"),
    "protocols_intro": (
        "上传的方案文件会先按站点使用的同一规则校验，通过后才能在配置中选用；站点收到后会再校验一次。",
        "An uploaded protocol file is checked with the stations' own rules before it can be "
        "assigned; each station checks it again when it arrives.",
    ),
    "protocol_file": ("方案文件", "Protocol file"),
    "protocol_upload": ("上传并校验", "Upload and check"),
    "protocol_refused": (
        "方案文件未通过校验，未保存：",
        "The protocol file failed its check and was not stored:",
    ),
    "protocol_added": ("方案 {id} 已通过校验并加入方案库。", "Protocol {id} passed its check and was added."),
}


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **fields)`` for ``lang`` ("zh" or "en"); unknown keys are returned unchanged."""
    index = 1 if lang == "en" else 0

    def t(key: str, **fields: object) -> str:
        entry = TEXT.get(key)
        text = entry[index] if entry else key
        return text.format(**fields) if fields else text

    return t
