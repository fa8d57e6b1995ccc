using ImageFrames.Parse.Dlis;
using ImageFrames.Bench;
using static ImageFrames.Bench.DlisBytes;

namespace ImageFrames.Tests;

/// <summary>The DLIS reader's layers on files written byte by byte from RP66 v1 (<see cref="DlisBytes"/>):
/// what the shared fixtures do not cover, and every malformation the reader must name.</summary>
public sealed class DlisReaderTests
{
    private static DlisBytes ImageFile(DlisBytes file, int frames = 3, RepresentationCode code = RepresentationCode.FSINGL, string indexType = "BOREHOLE-DEPTH")
    {
        file.Eflr(0, FileHeader("LF-A")).Eflr(1, Origin("WELL-A"))
            .Eflr(3, Channels(("DEPTH", RepresentationCode.FDOUBL, "m", [1]), ("IMG", code, "mmho", [4])))
            .Eflr(4, Frame("F1", indexType, "DEPTH", "IMG"));
        for (var i = 0; i < frames; i++)
            file.Iflr(0, FrameData("F1", i + 1, [Number(RepresentationCode.FDOUBL, 100 + i * 0.5), .. Enumerable.Range(0, 4).Select(s => Number(code, i * 10 + s))]));
        return file;
    }

    private static async Task<List<(double Depth, double[] Values)>> ReadImageAsync(byte[] bytes, Action<DlisFileReader>? after = null)
    {
        using var reader = await DlisFileReader.OpenAsync(new MemoryStream(bytes));
        var rows = new List<(double, double[])>();
        var depth = new double[1];
        while (await reader.NextFrameAsync() is { } frame)
        {
            var values = new double[frame.Layout.Frame.Channels[1].Samples];
            frame.Layout.Read(0, frame.Samples.Span, depth, frame.Offset, frame.Record);
            frame.Layout.Read(1, frame.Samples.Span, values, frame.Offset, frame.Record);
            rows.Add((depth[0], values));
        }
        after?.Invoke(reader);
        return rows;
    }

    private static void AssertImage(List<(double Depth, double[] Values)> rows, int frames = 3)
    {
        Assert.Equal(frames, rows.Count);
        for (var i = 0; i < frames; i++)
        {
            Assert.Equal(100 + i * 0.5, rows[i].Depth);
            Assert.Equal(Enumerable.Range(0, 4).Select(s => (double)(i * 10 + s)), rows[i].Values);
        }
    }

    [Fact]
    public async Task ManyLogicalRecordsPackedIntoOneVisibleRecordAreEachRead()
    {
        var bytes = ImageFile(new DlisBytes { Pack = true }).ToArray();
        // Everything fits one visible record: its header is the only one after the label.
        Assert.Equal(bytes.Length - 80, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(80)));
        AssertImage(await ReadImageAsync(bytes));
    }

    [Fact]
    public async Task ARecordSplitAcrossVisibleRecordsWithPaddingChecksumAndTrailingLengthIsJoined()
    {
        // 7-byte segment bodies: every record spans several segments, each padded, checksummed and length-trailed.
        var bytes = ImageFile(new DlisBytes { MaxSegmentBody = 7, Trailers = true }).ToArray();
        AssertImage(await ReadImageAsync(bytes));
        var packed = ImageFile(new DlisBytes { MaxSegmentBody = 7, Trailers = true, Pack = true, MaxVisibleRecord = 64 }).ToArray();
        AssertImage(await ReadImageAsync(packed));
    }

    [Fact]
    public async Task EncryptedRecordsAreSkippedAndCounted()
    {
        var file = ImageFile(new DlisBytes());
        file.Records.Insert(4, new DlisBytes.Record(true, 5, [0x00, 0x04, 0x01, 0x02, 0xFF, 0xEE, 0xDD], Encrypted: true)); // an encrypted PARAMETER set
        file.Encrypted(false, 0, [0xAB, 0xCD, 0xEF, 0x01]); // and encrypted frame data
        long encrypted = 0;
        AssertImage(await ReadImageAsync(file.ToArray(), reader => encrypted = reader.LogicalFiles[0].EncryptedRecords));
        Assert.Equal(2, encrypted);
    }

    [Theory]
    [InlineData(RepresentationCode.FSINGL)]
    [InlineData(RepresentationCode.FSING1)]
    [InlineData(RepresentationCode.FSING2)]
    [InlineData(RepresentationCode.CSINGL)]
    [InlineData(RepresentationCode.FDOUBL)]
    [InlineData(RepresentationCode.FDOUB1)]
    [InlineData(RepresentationCode.FDOUB2)]
    [InlineData(RepresentationCode.CDOUBL)]
    [InlineData(RepresentationCode.SSHORT)]
    [InlineData(RepresentationCode.SNORM)]
    [InlineData(RepresentationCode.SLONG)]
    [InlineData(RepresentationCode.USHORT)]
    [InlineData(RepresentationCode.UNORM)]
    [InlineData(RepresentationCode.ULONG)]
    [InlineData(RepresentationCode.UVARI)]
    public async Task SamplesOfEachNumericCodeAreRead(RepresentationCode code) =>
        AssertImage(await ReadImageAsync(ImageFile(new DlisBytes(), code: code).ToArray()));

    /// <summary>The codes whose bytes are not IEEE or integers, from values worked out by hand from Appendix B.</summary>
    [Theory]
    [InlineData(RepresentationCode.FSHORT, new byte[] { 0x4C, 0x88 }, 153.0)]   // fraction 0x4C8/2048 = 0.5977, exponent 8
    [InlineData(RepresentationCode.FSHORT, new byte[] { 0x80, 0x00 }, -1.0)]    // fraction -2048/2048, exponent 0
    [InlineData(RepresentationCode.ISINGL, new byte[] { 0x42, 0x64, 0x00, 0x00 }, 100.0)] // 0x64/256 × 16^2
    [InlineData(RepresentationCode.ISINGL, new byte[] { 0xC1, 0x10, 0x00, 0x00 }, -1.0)]  // sign, 0x10/256 × 16^1
    [InlineData(RepresentationCode.VSINGL, new byte[] { 0x80, 0x40, 0x00, 0x00 }, 1.0)]   // words 0x4080 0000: 0.1b × 2^1
    [InlineData(RepresentationCode.VSINGL, new byte[] { 0xC8, 0xC4, 0x00, 0x00 }, -400.0)]  // sign, exponent 137, 0.11001b × 2^9
    [InlineData(RepresentationCode.VSINGL, new byte[] { 0x00, 0x00, 0x00, 0x00 }, 0.0)]
    public void CodesFromOtherMachinesDecodeByTheStandard(RepresentationCode code, byte[] bytes, double expected)
    {
        var pos = 0;
        Assert.Equal(expected, Representation.ReadNumber(code, bytes, ref pos, 0));
        Assert.Equal(bytes.Length, pos);
    }

    [Fact]
    public async Task ATimeIndexedFrameIsNotADepthIndex()
    {
        var bytes = ImageFile(new DlisBytes(), indexType: "NON-STANDARD").ToArray();
        var timeBytes = ImageFile(new DlisBytes(), indexType: "TIME").ToArray();
        using var reader = await DlisFileReader.OpenAsync(new MemoryStream(timeBytes));
        while (await reader.NextFrameAsync() is not null) { }
        Assert.False(reader.LogicalFiles[0].Frames.Single().IsDepthIndexed);
        using var other = await DlisFileReader.OpenAsync(new MemoryStream(bytes));
        while (await other.NextFrameAsync() is not null) { }
        Assert.False(other.LogicalFiles[0].Frames.Single().IsDepthIndexed);
    }

    [Fact]
    public async Task SeveralLogicalFilesAreKeptApart()
    {
        var file = ImageFile(new DlisBytes());
        ImageFile(file, frames: 2);
        using var reader = await DlisFileReader.OpenAsync(new MemoryStream(file.ToArray()));
        var perFile = new int[2];
        while (await reader.NextFrameAsync() is { } frame) perFile[frame.File.Index]++;
        Assert.Equal([3, 2], perFile);
        Assert.All(reader.LogicalFiles, lf => Assert.Equal(("LF-A", "WELL-A"), (lf.FileHeaderId, lf.Origin!.WellName)));
    }

    // ---- bad input: every error names where and what ---------------------------------------------------------

    private static async Task<DlisFormatException> RejectedAsync(byte[] bytes) =>
        await Assert.ThrowsAsync<DlisFormatException>(() => ReadImageAsync(bytes));

    [Fact]
    public async Task ATruncatedFileIsRejectedAtTheVisibleRecordItCuts()
    {
        var bytes = ImageFile(new DlisBytes()).ToArray();
        var e = await RejectedAsync(bytes[..^10]);
        Assert.Contains("overruns the file", e.Message);
        Assert.StartsWith("byte ", e.Message);
    }

    [Fact]
    public async Task AVisibleRecordLongerThanTheFileIsRejected()
    {
        var bytes = ImageFile(new DlisBytes()).ToArray();
        bytes[80] = 0x7F; // first visible record now claims ~32 KB
        var e = await RejectedAsync(bytes);
        Assert.Equal(80, e.Offset);
        Assert.Contains("visible record length", e.Message);
    }

    [Theory]
    [InlineData(17, "is odd")]
    [InlineData(12, "below the minimum of 16")]
    public async Task ASegmentLengthThatIsOddOrTooSmallIsRejected(int length, string expected)
    {
        var bytes = ImageFile(new DlisBytes()).ToArray();
        bytes[84] = 0;
        bytes[85] = (byte)length; // the first segment's length
        var e = await RejectedAsync(bytes);
        Assert.Equal(84, e.Offset);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task ASegmentLongerThanItsVisibleRecordIsRejected()
    {
        var bytes = ImageFile(new DlisBytes()).ToArray();
        var visible = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(80));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(84), (ushort)(visible - 4 + 2));
        var e = await RejectedAsync(bytes);
        Assert.Equal(84, e.Offset);
        Assert.Contains("overruns its visible record", e.Message);
    }

    [Fact]
    public async Task AnUnknownRepresentationCodeIsRejectedNamingTheRecord()
    {
        var set = new SetWriter("CHANNEL").Template("REPRESENTATION-CODE").Object("X").Raw(0x20 | 0x04 | 0x01, 99, 1).ToArray();
        var file = new DlisBytes().Eflr(0, FileHeader("A")).Eflr(3, set);
        var e = await RejectedAsync(file.ToArray());
        Assert.Contains("unknown representation code 99", e.Message);
        Assert.Equal(1, e.Record);
    }

    [Fact]
    public async Task ADeclaredCountThatWouldNeedGigabytesIsRejectedBeforeAllocating()
    {
        var set = new SetWriter("CHANNEL").Template("DIMENSION").Object("X").Raw([0x20 | 0x08 | 0x04 | 0x01, .. Uvari(0x3FFFFFFF), (byte)RepresentationCode.FDOUBL, 0, 0]).ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = await RejectedAsync(new DlisBytes().Eflr(0, FileHeader("A")).Eflr(3, set).ToArray());
        Assert.Contains("declares 1,073,741,823 values", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public async Task GarbageBeforeTheLabelIsRejected()
    {
        var bytes = ImageFile(new DlisBytes()).ToArray();
        var e = await RejectedAsync([.. "GARBAGE!"u8.ToArray(), .. bytes]);
        Assert.Equal(0, e.Offset);
        Assert.Contains("storage unit label", e.Message);
    }

    [Fact]
    public async Task ACsvRenamedDlisIsToldApart()
    {
        var csv = System.Text.Encoding.ASCII.GetBytes("depth,c1,c2\n9000.1,1,2\n9000.2,3,4\n" + new string('0', 100));
        var e = await RejectedAsync(csv);
        Assert.Contains("looks like CSV text", e.Message);
    }

    [Fact]
    public async Task FrameDataForAnUndescribedFrameIsRejected()
    {
        var file = ImageFile(new DlisBytes());
        file.Iflr(0, FrameData("NO-SUCH-FRAME", 1, Number(RepresentationCode.FDOUBL, 1)));
        var e = await RejectedAsync(file.ToArray());
        Assert.Contains("NO-SUCH-FRAME", e.Message);
        Assert.Equal(file.Records.Count - 1, e.Record);
    }

    [Fact]
    public async Task AFrameShorterThanItsChannelsIsRejected()
    {
        var file = ImageFile(new DlisBytes());
        file.Iflr(0, FrameData("F1", 9, Number(RepresentationCode.FDOUBL, 1), Number(RepresentationCode.FSINGL, 1)));
        var e = await RejectedAsync(file.ToArray());
        Assert.Contains("needs 24 bytes of samples", e.Message);
    }
}
