"""How a run uses the machine: worker processes and the garbage collector's policy."""
