"""What the API and the CLI both do, over a store and plain arguments (no HTTP, no argparse)."""
