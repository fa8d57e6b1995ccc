using Microsoft.Extensions.Logging;

namespace ImageFrames.Parse.Dlis;

/// <summary>One frame's data: which logical file and frame it belongs to, its number, and its samples (the
/// record's body after the frame's name and number), valid until the reader's next call.</summary>
public sealed record FrameData(DlisLogicalFile File, FrameLayout Layout, int FrameNumber, ReadOnlyMemory<byte> Samples, long Offset, int Record);

/// <summary>
/// The objects-and-frames layer over <see cref="LogicalRecordReader"/>: FILE-HEADER records start logical files;
/// ORIGIN, CHANNEL and FRAME sets describe them; frame data records (IFLR type 0) come out one at a time,
/// with the layout of their frame. Other sets (PARAMETER, TOOL, …) are not needed to read images and are
/// passed over unparsed; encrypted records are skipped and counted, with a log line each.
/// </summary>
public sealed class DlisFileReader : IDisposable
{
    // Logical record types (RP66 v1 Appendix A).
    private const byte FileHeader = 0, Origin = 1, Channel = 3, Frame = 4; // EFLR
    private const byte FrameDataType = 0; // IFLR

    private readonly LogicalRecordReader _records;
    private readonly ILogger? _logger;
    private readonly List<DlisLogicalFile> _files = [];
    private DlisLogicalFile? _lastFile;
    private byte[] _lastName = [];
    private FrameLayout? _lastLayout;

    private DlisFileReader(LogicalRecordReader records, ILogger? logger) => (_records, _logger) = (records, logger);

    public static async Task<DlisFileReader> OpenAsync(Stream stream, ILogger? logger = null, int maxRecordBytes = 64 << 20, CancellationToken ct = default) =>
        new(await LogicalRecordReader.OpenAsync(stream, maxRecordBytes, ct).ConfigureAwait(false), logger);

    public StorageUnitLabel? Label => _records.Label;

    /// <summary>Whether the file is wrapped in the Tape Image Format.</summary>
    public bool IsTapeImage => _records.IsTapeImage;

    /// <summary>The logical files met so far (all of them once <see cref="NextFrameAsync"/> returned null).</summary>
    public IReadOnlyList<DlisLogicalFile> LogicalFiles => _files;

    public long Position => _records.Position;

    /// <summary>The next frame's data, reading the sets before it; null at the end of the file.</summary>
    public async ValueTask<FrameData?> NextFrameAsync(CancellationToken ct = default)
    {
        while (await _records.NextAsync(ct).ConfigureAwait(false) is { } record)
        {
            if (record.Encrypted)
            {
                Current(record).EncryptedRecords++;
                _logger?.LogInformation("DLIS: skipped encrypted logical record {Index} (type {Type}) at byte {Offset}", record.Index, record.Type, record.Offset);
                continue;
            }
            if (record.IsExplicit)
            {
                Describe(record);
                continue;
            }
            if (record.Type != FrameDataType) continue; // NOFORM, end-of-data and private types carry no frames
            var body = record.Body.Span;
            var file = Current(record);
            int pos, number;
            try
            {
                // Frame after frame names the same FRAME: compare its name's bytes with the last one's instead of
                // decoding the name (a string) and looking it up again, once per frame.
                if (_lastFile == file && body.StartsWith(_lastName))
                    pos = _lastName.Length;
                else
                {
                    pos = 0;
                    var name = Representation.ReadObjectName(body, ref pos, 0);
                    if (!file.Layouts.TryGetValue(name, out var found))
                        throw new DlisFormatException(record.Offset, $"frame data for {name}, which no FRAME object of logical file {file.Index} describes", record.Index);
                    (_lastFile, _lastName, _lastLayout) = (file, body[..pos].ToArray(), found);
                }
                number = Representation.ReadUvari(body, ref pos, 0);
            }
            catch (DlisFormatException e) { throw e.InRecord(record.Index, record.Offset); }
            return new FrameData(file, _lastLayout!, number, record.Body[pos..], record.Offset, record.Index);
        }
        return null;
    }

    private DlisLogicalFile Current(LogicalRecord record)
    {
        if (_files.Count == 0) _files.Add(new DlisLogicalFile(0)); // data before any FILE-HEADER: tolerated as one file
        return _files[^1];
    }

    private void Describe(LogicalRecord record)
    {
        if (record.Type is not (FileHeader or Origin or Channel or Frame)) return;
        var set = ExplicitRecord.Parse(record.Body.Span, record.Offset, record.Index);
        if (record.Type == FileHeader)
        {
            _files.Add(new DlisLogicalFile(_files.Count) { FileHeaderId = set.Objects.FirstOrDefault()?.Text("ID")?.Trim() });
            return;
        }
        var file = Current(record);
        switch (record.Type)
        {
            case Origin when file.Origin is null && set.Objects.Count > 0:
                var origin = set.Objects[0];
                file.Origin = new WellOrigin(origin.Text("WELL-NAME"), origin.Text("FIELD-NAME"), origin.Text("COMPANY"));
                break;
            case Channel:
                foreach (var channel in set.Objects) file.Channels[channel.Name] = ToChannel(channel, record);
                break;
            case Frame:
                foreach (var frame in set.Objects) file.Layouts[frame.Name] = new FrameLayout(ToFrame(frame, file, record));
                _lastFile = null; // a frame may have been described anew
                break;
        }
    }

    private static DlisChannel ToChannel(DlisObject channel, LogicalRecord record)
    {
        var code = channel.Number("REPRESENTATION-CODE") is { } c ? (int)c : (int)RepresentationCode.FDOUBL;
        if (!Representation.IsKnown((byte)code) || code != (byte)code || !Representation.IsNumeric((RepresentationCode)code))
            throw new DlisFormatException(record.Offset, $"channel {channel.Name.Id} has representation code {code}, which is not a numeric code (1-18, 22, 26)", record.Index);
        var dimension = channel["DIMENSION"]?.Values.Select(v => v is double d ? (int)d : 0).ToArray() is { Length: > 0 } dims ? dims : [1];
        if (dimension.Any(d => d <= 0) || dimension.Aggregate(1L, (a, b) => a * b) > 1 << 20)
            throw new DlisFormatException(record.Offset, $"channel {channel.Name.Id} has dimension [{string.Join(", ", dimension)}]; each must be 1 or more, and at most 1,048,576 samples a frame", record.Index);
        return new DlisChannel(channel.Name, channel.Text("LONG-NAME"), channel.Text("UNITS") ?? channel["UNITS"]?.Units ?? "", (RepresentationCode)code, dimension);
    }

    private static DlisFrame ToFrame(DlisObject frame, DlisLogicalFile file, LogicalRecord record)
    {
        var channels = new List<DlisChannel>();
        foreach (var value in frame["CHANNELS"]?.Values ?? [])
        {
            var name = value switch { ObjectName n => n, ObjectReference r => r.Name, _ => default };
            if (!file.Channels.TryGetValue(name, out var channel))
                throw new DlisFormatException(record.Offset, $"frame {frame.Name.Id} lists channel {name}, which no CHANNEL object before it describes", record.Index);
            channels.Add(channel);
        }
        return new DlisFrame(frame.Name, channels, frame.Text("INDEX-TYPE"), frame.Text("DIRECTION"), frame.Number("SPACING"));
    }

    public void Dispose() => _records.Dispose();
}
