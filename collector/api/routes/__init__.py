"""One router per resource: agent, events, studies, devices, imports, exports, ehr-metrics."""
