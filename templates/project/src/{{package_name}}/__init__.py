"""Stage code of the DVC pipeline (prepare -> train -> evaluate).

Each stage is a module run as ``python -m <package>.<stage>`` by dvc.yaml; its
settings come from params.yaml. The code is yours: change it freely.
"""
