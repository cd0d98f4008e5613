"""Process discovery: Inductive Miner → process tree → workflow net / BPMN."""
