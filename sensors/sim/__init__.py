"""Simulated officer: physiologically plausible signal generators and their LSL outlets.

Every generator is pure and chunk-incremental: ``next_chunk(n)`` returns the next ``n`` samples as a
``(n, channels)`` float64 array, the same values whatever the chunk sizes, for a given seed. A
:class:`~sensors.sim.officer_state.Scenario` (arousal, breathing and resonance) drives them all. Modules:
``officer_state`` (the officer), ``breathing_schedule`` (paced breathing rates over time),
``signal_generator`` (the shared interface), ``eeg_signal``, ``cardiac_signal`` (beats, ECG, PPG,
RR), ``eda_signal``, ``resp_signal``, ``streams`` (the set of one officer's generators), ``faults``,
``outlets`` (LSL) and ``sim_command`` (``oasis sim``).
This package imports nothing heavy, so ``oasis --help`` stays fast.
"""
