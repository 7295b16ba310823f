"""ROLLER payloads → plain records, by layer: records (the types), payloads (a parser per
payload shape), values (reading one field as its type)."""
