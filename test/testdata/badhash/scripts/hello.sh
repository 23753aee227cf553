echo never runs; exit 1
