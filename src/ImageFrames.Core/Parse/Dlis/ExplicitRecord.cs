namespace ImageFrames.Parse.Dlis;

/// <summary>One attribute of an object: its label, units and values (numbers as double, texts, names…).</summary>
public sealed record DlisAttribute(string Label, RepresentationCode Code, string Units, IReadOnlyList<object> Values)
{
    public object? First => Values.Count > 0 ? Values[0] : null;
}

/// <summary>One object of a set: its name and its attributes by label.</summary>
public sealed record DlisObject(ObjectName Name, IReadOnlyDictionary<string, DlisAttribute> Attributes)
{
    public DlisAttribute? this[string label] => Attributes.TryGetValue(label, out var attribute) ? attribute : null;
    public string? Text(string label) => this[label]?.First?.ToString();
    public double? Number(string label) => this[label]?.First is double d ? d : null;
}

/// <summary>The set an explicitly formatted logical record holds (RP66 v1 §3.2): its type (CHANNEL,
/// FRAME, ORIGIN …), an optional name, and its objects, each attribute defaulted from the set's template.</summary>
public sealed record ExplicitRecord(string Type, string? Name, IReadOnlyList<DlisObject> Objects)
{
    // Component roles: the top three bits of a component's descriptor (§3.2.2.1, Figure 3-2).
    private const int AbsentAttribute = 0, Attribute = 1, InvariantAttribute = 2, Object = 3, RedundantSet = 5, ReplacementSet = 6, Set = 7;

    private sealed record Template(string Label, int Count, RepresentationCode Code, string Units, IReadOnlyList<object> Values, bool Invariant);

    /// <summary>Parses a record's body; <paramref name="offset"/> (the record's) and <paramref name="index"/>
    /// are for error messages.</summary>
    public static ExplicitRecord Parse(ReadOnlySpan<byte> body, long offset, int index)
    {
        try
        {
            return ParseBody(body);
        }
        catch (DlisFormatException e)
        {
            throw e.InRecord(index, offset);
        }
    }

    // Positions in errors are the body's: Parse places them in the file.
    private static ExplicitRecord ParseBody(ReadOnlySpan<byte> body)
    {
        var pos = 0;
        if (body.Length == 0) throw new DlisFormatException(0, "an explicitly formatted record with no set");
        var descriptor = body[pos++];
        if (descriptor >> 5 is not (Set or ReplacementSet or RedundantSet))
            throw new DlisFormatException(0, $"expected a set component at the start of the record, found role {descriptor >> 5}");
        if ((descriptor & 0x10) == 0) throw new DlisFormatException(0, "the set component has no type");
        var type = Representation.ReadIdent(body, ref pos, 0);
        var name = (descriptor & 0x08) != 0 ? Representation.ReadIdent(body, ref pos, 0) : "";

        var template = new List<Template>();
        while (pos < body.Length && body[pos] >> 5 is Attribute or InvariantAttribute)
        {
            var role = body[pos] >> 5;
            var attribute = ReadAttribute(body, ref pos, defaults: null);
            if (attribute.Label.Length == 0) throw new DlisFormatException(pos, $"a template attribute of the {type} set has no label");
            template.Add(attribute with { Invariant = role == InvariantAttribute });
        }

        var objects = new List<DlisObject>();
        while (pos < body.Length)
        {
            var at = pos;
            descriptor = body[pos++];
            if (descriptor >> 5 != Object) throw new DlisFormatException(at, $"expected an object component in the {type} set, found role {descriptor >> 5}");
            var objectName = Representation.ReadObjectName(body, ref pos, 0);
            var attributes = new Dictionary<string, DlisAttribute>(StringComparer.Ordinal);
            foreach (var defaults in template)
            {
                if (defaults.Invariant) { Add(attributes, defaults); continue; }
                if (pos >= body.Length || body[pos] >> 5 == Object) { Add(attributes, defaults); continue; }
                var role = body[pos] >> 5;
                if (role == AbsentAttribute) { pos++; continue; }
                if (role != Attribute) throw new DlisFormatException(pos, $"expected an attribute of object {objectName.Id}, found role {role}");
                Add(attributes, ReadAttribute(body, ref pos, defaults));
            }
            objects.Add(new DlisObject(objectName, attributes));
        }
        return new ExplicitRecord(type, name, objects);
    }

    private static void Add(Dictionary<string, DlisAttribute> attributes, Template attribute) =>
        attributes[attribute.Label] = new DlisAttribute(attribute.Label, attribute.Code, attribute.Units, attribute.Values);

    /// <summary>An attribute component: each characteristic present by its format bit, otherwise taken from the
    /// template's (or the standard's defaults: count 1, IDENT, no units, no value).</summary>
    private static Template ReadAttribute(ReadOnlySpan<byte> body, ref int pos, Template? defaults)
    {
        var start = pos;
        var format = body[pos++] & 0x1F;
        var label = (format & 0x10) != 0 ? Representation.ReadIdent(body, ref pos, 0) : defaults?.Label ?? "";
        var count = (format & 0x08) != 0 ? Representation.ReadUvari(body, ref pos, 0) : defaults?.Count ?? 1;
        var code = defaults?.Code ?? RepresentationCode.IDENT;
        if ((format & 0x04) != 0)
        {
            if (pos >= body.Length) throw new DlisFormatException(pos, "expected a representation code, the record ends");
            var raw = body[pos++];
            if (!Representation.IsKnown(raw)) throw new DlisFormatException(pos - 1, $"unknown representation code {raw} in attribute '{label}'");
            code = (RepresentationCode)raw;
        }
        var units = (format & 0x02) != 0 ? Representation.ReadIdent(body, ref pos, 0) : defaults?.Units ?? "";
        IReadOnlyList<object> values = defaults?.Values ?? [];
        if ((format & 0x01) != 0)
        {
            // A declared count is checked against the bytes left before anything is allocated for it.
            if ((long)count * Representation.MinimumSize(code) > body.Length - pos)
                throw new DlisFormatException(start, $"attribute '{label}' declares {count:N0} values of {code}, more than the record's {body.Length - pos} bytes left can hold");
            var list = new object[count];
            for (var i = 0; i < count; i++) list[i] = Representation.ReadValue(code, body, ref pos, 0);
            values = list;
        }
        return new Template(label, count, code, units, values, false);
    }
}
