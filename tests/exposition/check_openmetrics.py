#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Reads an OpenMetrics exposition on stdin and parses it with the official Python client's
# strict OpenMetrics parser (Debian: python3-prometheus-client). Prints one line per sample,
#   <name> TAB <labels as sorted JSON> TAB <value as repr>
# and exits 0; exits 1 with the parser's message on stderr when the input is invalid;
# exits 77 when the parser is not installed (the test then skips).
import json
import sys

try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
except ImportError:
    sys.exit(77)

text = sys.stdin.buffer.read().decode("utf-8")
try:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            print("%s\t%s\t%r" % (sample.name, json.dumps(sample.labels, sort_keys=True), float(sample.value)))
except Exception as error:  # the parser raises ValueError and friends
    print("invalid OpenMetrics: %s" % error, file=sys.stderr)
    sys.exit(1)
