import weir


def explode(record):
    kind = record.get("kind")
    if kind == "test":
        return None
    if kind == "boom":
        raise KeyError("no such item")
    if kind == "text":
        return "not a record"
    bag = record.get("bag")
    if isinstance(bag, list):
        weir.count("bag_items", len(bag))
        return [
            {"role_id": record["role_id"], "item": i.get("name"), "count": i.get("n")}
            if isinstance(i, dict)
            else i
            for i in bag
        ]
    record["item"] = bag
    record["count"] = 1
    return record
