"""Bilingual CLI text of the device commands: Simplified Chinese first, English second (``--lang en``)."""

from __future__ import annotations

import argparse

LANGUAGES = ("zh-CN", "en")  # zh-CN is the default

TEXT: dict[str, tuple[str, str]] = {
    "no_ports": ("未发现串口", "no serial ports found"),
    "port": ("端口", "port"),
    "description": ("描述", "description"),
    "guess": ("设备", "device"),
    "verdict": ("判断", "verdict"),
    "unknown": ("未知", "unknown"),
    "guess_match": (
        "识别为 {title}：{packets} 包，损坏 {corrupt}",
        "{title}: {packets} packets, {corrupt} corrupt",
    ),
    "guess_probe": (
        "OpenBCI Cyton（以版本信息回应了 'v'，现已停止）",
        "OpenBCI Cyton (answered 'v' with its banner; now stopped)",
    ),
    "guess_silent": (
        "无数据（Cyton 和 CMS50D+ 4.6 需要开始命令：可加 --probe）",
        "silent (nothing sent; a Cyton or a CMS50D+ 4.6 waits for a start command: try --probe)",
    ),
    "guess_unknown": (
        "无法识别：{bytes} 字节不符合任何已知协议（乱码、其他设备或波特率不符）",
        "unknown: {bytes} bytes that no known protocol decodes (garbage, another device or "
        "another baud rate)",
    ),
    "guess_unreadable": ("无法打开：{reason}", "cannot open: {reason}"),
    "bridging": (
        "正在桥接 {title}：{port} → LSL 流 {name}（Ctrl-C 停止）",
        "bridging {title}: {port} -> LSL stream {name} (Ctrl-C to stop)",
    ),
    "stopped": ("已停止", "stopped"),
    "status": (
        "状态 {state}，{bytes} 字节，{packets} 包，损坏 {corrupt}，丢失 {dropped}，重连 {reconnects} 次",
        "state {state}, {bytes} bytes, {packets} packets, {corrupt} corrupt, {dropped} dropped, "
        "{reconnects} reconnects",
    ),
    "gap": ("数据中断 {duration:.2f} 秒", "gap of {duration:.2f} s"),
    "emulating": (
        "模拟 {title}，串口路径：{path}（Ctrl-C 停止）",
        "emulating {title} on {path} (Ctrl-C to stop)",
    ),
    "bad_gsr": ("GSR 设置无效：{reason}", "bad GSR settings: {reason}"),
    "bad_number": (
        "{option} 无效：应为 {low:g} 到 {high:g} 之间的数",
        "invalid {option}: give a number from {low:g} to {high:g}",
    ),
    "guess_probe_daisy": (
        "OpenBCI Cyton + Daisy 16 通道（以版本信息回应了 'v'，现已停止）",
        "OpenBCI Cyton + Daisy, 16 channels (answered 'v' with its banner; now stopped)",
    ),
    "daisy_found": (
        "开机信息显示已接 Daisy 模块：16 通道，125 Hz",
        "the board's banner reports a Daisy module: 16 channels at 125 Hz",
    ),
    "daisy_absent": (
        "开机信息未显示 Daisy 模块：8 通道，250 Hz",
        "no Daisy module in the board's banner: 8 channels at 250 Hz",
    ),
    "guess_probe_v7": (
        "Contec CMS50D+ 固件 4.6（应答了实时数据命令，现已停止）",
        "Contec CMS50D+ firmware 4.6 (answered the real-time command; now stopped)",
    ),
    "daisy_unknown": (
        "未收到开机信息（{reason}）：按 8 通道处理；有 Daisy 时请加 --daisy on",
        "no banner from the board ({reason}): assuming 8 channels; add --daisy on for a Daisy",
    ),
}


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    """``--lang zh-CN|en`` on a device command's parser."""
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="zh-CN",
        help="output language: zh-CN (简体中文, default) or en",
    )


def t(key: str, lang: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (zh-CN or en), formatted with ``values``."""
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**values)
