using ImageFrames.Bench;
using ImageFrames.Ingest;
using ImageFrames.Parse.Dlis;

namespace ImageFrames.Tests;

/// <summary>
/// DLIS files wrapped in the Tape Image Format (<see cref="TapeImageBytes"/>: the dliswriter fixtures cut into
/// tape records at visible records or straddling them, tape marks before, between and after tape files, labels
/// per tape file or none, zero padding): read as the same frames with the same values as unwrapped; and every
/// break of the TIF chain — truncations, wrong offsets, wrong types — named with its byte offset in the file.
/// </summary>
public sealed class TapeImageTests
{
    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", name));

    public static TheoryData<string> Files => new() { "fmi_small.dlis", "fmi_small_vr512.dlis", "ubi_feet_decreasing.dlis", "two_images.dlis", "multi_file.dlis", "int_image.dlis" };

    /// <summary>Every frame as its logical file, frame name, number and sample bytes; and the logical files' ids.</summary>
    private static async Task<(List<string> Frames, List<string?> Files, bool TapeImage)> ReadAsync(byte[] bytes)
    {
        using var reader = await DlisFileReader.OpenAsync(new MemoryStream(bytes));
        var frames = new List<string>();
        while (await reader.NextFrameAsync() is { } frame)
            frames.Add($"{frame.File.Index}/{frame.Layout.Frame.Name.Id}/{frame.FrameNumber}/{Convert.ToHexString(frame.Samples.Span)}");
        return (frames, reader.LogicalFiles.Select(f => f.FileHeaderId).ToList(), reader.IsTapeImage);
    }

    private static async Task<DlisFormatException> RejectedAsync(byte[] bytes) =>
        await Assert.ThrowsAsync<DlisFormatException>(() => ReadAsync(bytes));

    [Theory]
    [MemberData(nameof(Files))]
    public async Task AWrappedFileReadsAsTheSameFramesAsUnwrapped(string file)
    {
        var dlis = Fixture(file);
        var expected = await ReadAsync(dlis);
        Assert.False(expected.TapeImage);
        Assert.NotEmpty(expected.Frames);
        // One record per visible record; records of 1,000 bytes that visible records straddle; odd-sized ones
        // that cut even the label and headers; tape marks before the first byte and none at the end.
        foreach (var tif in new[] { TapeImageBytes.Wrap(dlis), TapeImageBytes.Wrap(dlis, 1000), TapeImageBytes.Wrap(dlis, 37, marksBefore: 2, marksAtEnd: 0) })
        {
            var read = await ReadAsync(tif);
            Assert.True(read.TapeImage);
            Assert.Equal(expected.Frames, read.Frames);
            Assert.Equal(expected.Files, read.Files);
        }
    }

    [Fact]
    public async Task TapeFilesEachWithTheirOwnLabelAreTheLogicalFilesOfOneTape()
    {
        var (first, second) = (Fixture("fmi_small.dlis"), Fixture("int_image.dlis"));
        var read = await ReadAsync(TapeImageBytes.Wrap([first, second], 4096));
        var (a, b) = (await ReadAsync(first), await ReadAsync(second));
        Assert.Equal([.. a.Files, .. b.Files], read.Files);
        Assert.Equal(a.Frames.Count + b.Frames.Count, read.Frames.Count);
        Assert.Equal(a.Frames, read.Frames[..a.Frames.Count]);
        // The second tape file's frames belong to the second logical file; their bytes are the same.
        Assert.Equal(b.Frames.Select(f => f[1..]), read.Frames[a.Frames.Count..].Select(f => f[1..]));

        // Storage units joined without a tape mark between them: the second label is passed over too.
        var joined = await ReadAsync(TapeImageBytes.Wrap([.. first, .. second], 4096));
        Assert.Equal(read.Frames, joined.Frames);
        Assert.Equal(read.Frames, (await ReadAsync([.. first, .. second])).Frames);
    }

    [Fact]
    public async Task AFileWithoutAStorageUnitLabelIsReadWrappedOrNot()
    {
        var dlis = Fixture("two_images.dlis");
        var expected = await ReadAsync(dlis);
        Assert.Equal(expected.Frames, (await ReadAsync(dlis[80..])).Frames);
        Assert.Equal(expected.Frames, (await ReadAsync(TapeImageBytes.Wrap(dlis[80..], marksBefore: 1))).Frames);
    }

    [Fact]
    public async Task ZerosAfterTheLastTapeMarkArePadding()
    {
        var dlis = Fixture("fmi_small.dlis");
        var padded = TapeImageBytes.Wrap(dlis, 2048).Concat(new byte[1000]).ToArray();
        Assert.Equal((await ReadAsync(dlis)).Frames, (await ReadAsync(padded)).Frames);

        // Not zeros to the end: a broken header, named where it stands.
        var tif = TapeImageBytes.Wrap(dlis, 2048);
        var dirty = tif.Concat(new byte[100]).Append((byte)7).ToArray();
        Assert.Equal(tif.Length, (await RejectedAsync(dirty)).Offset);
    }

    [Fact]
    public async Task TruncatedFilesAreNamedWhereTheyEnd()
    {
        var tif = TapeImageBytes.Wrap(Fixture("fmi_small.dlis"), 2048);
        var headers = TapeImageBytes.HeaderOffsets(tif);
        var third = (int)headers[2];

        var inHeader = await RejectedAsync(tif[..(third + 5)]);
        Assert.Equal(third, inHeader.Offset);
        Assert.Contains("ends inside a TIF header (5 of 12 bytes)", inHeader.Message);

        var inData = await RejectedAsync(tif[..(third + 12 + 100)]);
        Assert.Contains($"ends inside a TIF data record: the header at byte {third} says the next header is at byte {headers[3]}", inData.Message);
        Assert.Equal(third + 112, inData.Offset);

        // Cut right after a header: the header promises data that is not there.
        Assert.Contains("ends inside a TIF data record", (await RejectedAsync(tif[..(third + 12)])).Message);
    }

    [Fact]
    public async Task ABrokenChainIsNamedWithTheHeadersOffset()
    {
        var tif = TapeImageBytes.Wrap(Fixture("fmi_small.dlis"), 2048);
        var headers = TapeImageBytes.HeaderOffsets(tif);
        var at = (int)headers[3];

        var previous = (byte[])tif.Clone();
        previous[at + 4] ^= 0x10;
        var e = await RejectedAsync(previous);
        Assert.Equal(at, e.Offset);
        Assert.Contains($"the previous header is at byte {(int)headers[2] ^ 0x10}, but it is at byte {headers[2]}: the tape image chain is broken", e.Message);

        var next = (byte[])tif.Clone();
        next[at + 8] = 0; next[at + 9] = 0; next[at + 10] = 0; next[at + 11] = 0;
        e = await RejectedAsync(next);
        Assert.Equal(at, e.Offset);
        Assert.Contains("the next header is at byte 0, before the end of this one", e.Message);

        var type = (byte[])tif.Clone();
        type[at] = 7;
        e = await RejectedAsync(type);
        Assert.Equal(at, e.Offset);
        Assert.Contains("TIF header type 7; expected 0 (data) or 1 (tape mark)", e.Message);

        // A next offset 4 bytes too far: the next header is read from the wrong place, and named there.
        var far = (byte[])tif.Clone();
        far[at + 8] += 4;
        e = await RejectedAsync(far);
        Assert.Equal(headers[4] + 4, e.Offset);
        Assert.StartsWith("TIF header", e.Detail);
    }

    [Fact]
    public async Task ATapeMarkInsideALogicalRecordIsRejected()
    {
        // fmi_small_vr512 splits every frame's record over two visible records: a tape mark between them cuts one.
        var dlis = Fixture("fmi_small_vr512.dlis");
        var cut = 80 + 4 * 512 + 1000;
        var pos = 80;
        var visibleStarts = new List<int>();
        while (pos < dlis.Length) { visibleStarts.Add(pos); pos += System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(dlis.AsSpan(pos)); }
        cut = visibleStarts.First(v => v > cut);
        var e = await RejectedAsync(TapeImageBytes.Wrap([dlis[..cut], dlis[cut..]]));
        Assert.Contains("a TIF tape mark", e.Message);
        Assert.Contains("inside a logical record", e.Message);

        // A tape mark inside a visible record.
        e = await RejectedAsync(TapeImageBytes.Wrap([dlis[..(cut + 10)], dlis[(cut + 10)..]]));
        Assert.Contains("overruns its tape file: a TIF tape mark", e.Message);
    }

    [Fact]
    public void TheIngestTellsTapeImagesFromCsvAndLas()
    {
        var dlis = Fixture("fmi_small.dlis");
        Assert.Equal(LogFormat.Dlis, IngestService.Sniff(TapeImageBytes.Wrap(dlis)));
        Assert.Equal(LogFormat.Dlis, IngestService.Sniff(TapeImageBytes.Wrap(dlis, marksBefore: 1)));
        Assert.Equal(LogFormat.Dlis, IngestService.Sniff(dlis[80..]));
        Assert.Null(IngestService.Sniff("depth,a,b\n1,2,3\n"u8));
        Assert.Null(IngestService.Sniff([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    }
}
