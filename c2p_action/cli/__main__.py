"""``python -m c2p_action.cli``: the same as the ``2c2p`` console script."""

from c2p_action.cli import main

main(prog_name="2c2p")
