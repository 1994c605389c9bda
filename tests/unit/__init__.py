"""Tests of the pure layers, in-process: no HTTP, database server, subprocess or socket."""
