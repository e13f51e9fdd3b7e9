"""Serial biofeedback devices bridged to LSL: one module per protocol (parser + encoder + emulator),
a common pyserial bridge with reconnection, pty emulators and port detection."""
