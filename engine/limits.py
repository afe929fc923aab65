"""Limits on what comes in (files, options), defined once and derived from what the program can do.

Every reader and writer uses these, so a file we write is a file we can read back, and a
value we accept can be shown by the window (Qt's spin boxes hold 32-bit ints) and trained
on without overflow.
"""
from __future__ import annotations

INT32_MAX = 2**31 - 1  # Qt spin boxes: batch size, seed, epochs, counters shown in widgets
MAX_PARAMETERS = 2_000_000  # weights + biases of one network
# a project file holds up to four vectors of MAX_PARAMETERS floats (weights and the optimiser's
# velocity, m, v) at about 24 characters each, plus inline data: this size fits them
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_CSV_BYTES = 256 * 1024 * 1024
MAX_POINTS = 1_000_000  # data points (rows) in one data set
MAX_WEIGHT = 1e6  # |w| larger than this is a diverged network, not a trained one
MAX_INIT_RANGE = 1e6
MAX_OPTIMIZER_STEPS = 2**53  # Adam's step counter: exact in a float, no overflow in beta**t
MAX_RATE = 1e6  # learning rates, penalties, epsilon
MIN_SPEED, MAX_SPEED = 0.01, 1e6  # epochs per second the window can be asked for
MAX_MEMORY_BYTES = 4 * 1024**3  # estimated working memory of one run (data + network + buffers)
MAX_PICTURE_PIXELS = 16_000_000  # boundaries.png and other pictures, whatever the network
MAX_PICTURE_SIDE = 8192
MAX_DATA_VALUE = 1e12  # |x| and |y| of a data point (CSV or inline): larger overflows the maths
