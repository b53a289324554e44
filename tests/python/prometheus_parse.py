"""Reads Prometheus' text format on stdin with prometheus_client's parser (the reference
Python implementation, which LiteLLM's /metrics is written by) and prints each sample as a
JSON line: [name, labels, value as text]. A malformed exposition makes it fail."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        print(json.dumps([sample.name, sample.labels, str(sample.value)]))
