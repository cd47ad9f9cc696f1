#!/usr/bin/env python3
"""History of this set's dev repositories: eval/realworld/history.py with `--set` this folder
(see that script for the commands: clone, run, pending, apply, score)."""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.argv[1:1] = ["--set", HERE]
runpy.run_path(os.path.join(HERE, "..", "realworld", "history.py"), run_name="__main__")
