"""Foundations every service uses: user errors, validation, dates, the working-day calendar, pinyin keys, safe file writing, the zip-bomb guard and the log file."""
