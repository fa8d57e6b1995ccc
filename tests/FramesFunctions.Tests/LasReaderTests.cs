using System.Text;
using ImageFrames.Parse.Las;

namespace ImageFrames.Tests;

/// <summary>
/// The LAS reader's layers alone: header lines split as the standard lays them out (and lasio reads them), the
/// data section a depth step at a time (wrapped or not, NULL absent), images found among numbered curves, and
/// every malformed file rejected naming its line and what was expected.
/// </summary>
public sealed class LasReaderTests
{
    private static async Task<(LasHeader Header, List<(int Line, double[] Values)> Rows)> ReadAsync(string text)
    {
        await using var reader = await LasFileReader.OpenAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        var rows = new List<(int, double[])>();
        while (await reader.NextRowAsync()) rows.Add((reader.RowLine, reader.Values.ToArray()));
        return (reader.Header, rows);
    }

    private static async Task<LasFormatException> RejectedAsync(string text) =>
        await Assert.ThrowsAsync<LasFormatException>(() => ReadAsync(text));

    [Theory]
    [InlineData(" DEPT.M                      :  1  DEPTH", "DEPT", "M", "", "1  DEPTH")]
    [InlineData(" NULL.     -999.25           : NULL VALUE", "NULL", "", "-999.25", "NULL VALUE")]
    [InlineData(" STRT .FT  9000.0000 : START DEPTH", "STRT", "FT", "9000.0000", "START DEPTH")]
    [InlineData(" DEPT..1IN            : 0.1 inch depth", "DEPT", ".1IN", "", "0.1 inch depth")]
    [InlineData(" DATE.   13-DEC-86 12:30:00 : LOG DATE", "DATE", "", "13-DEC-86 12:30:00", "LOG DATE")]
    [InlineData(" COMP.   ANY OIL COMPANY INC.  : COMPANY", "COMP", "", "ANY OIL COMPANY INC.", "COMPANY")]
    [InlineData(" DT.US/M 60 520 32 00", "DT", "US/M", "60 520 32 00", "")]
    [InlineData(" AMP[12].DB:image column 12", "AMP[12]", "DB", "", "image column 12")]
    public void HeaderLinesSplitAtTheFirstPeriodTheFirstSpaceAndTheLastColon(string line, string mnemonic, string unit, string value, string description) =>
        Assert.Equal(new LasHeaderItem(mnemonic, unit, value, description, 7), LasHeaderItem.Parse(line, 7));

    [Fact]
    public async Task HeaderSectionsAndDataComeOutAsWritten()
    {
        var las = new LasText().Curve("DEPT", "M", "DEPTH").Curve("GR", "GAPI", "GAMMA RAY").Curve("CALI", "IN")
            .Row(1000, 45.5, 8.5).Row(1000.5, -999.25, 8.25).Row(1001, 1e-3, double.NaN);
        var (header, rows) = await ReadAsync(las.ToString());
        Assert.Equal(["DEPT", "GR", "CALI"], header.Curves.Select(c => c.Mnemonic));
        Assert.Equal(("GAPI", "GAMMA RAY"), (header.Curves[1].Unit, header.Curves[1].Description));
        Assert.Equal(("2.0", false, -999.25, 0.5), (header.VersionNumber, header.Wrapped, header.Null, header.Step));
        Assert.Equal(("SYNTH-WELL-9", "WILDCAT", "ANY LOGGING CO"), (header.WellText("WELL"), header.WellText("FLD"), header.WellText("COMP")));
        Assert.Equal("35.5", header.Parameters.Single().Value);
        Assert.Equal([1000, 45.5, 8.5], rows[0].Values);
        Assert.Equal([1000.5, double.NaN, 8.25], rows[1].Values); // NULL is absent
        Assert.Equal([1001, 1e-3, double.NaN], rows[2].Values);
        Assert.Equal(rows[0].Line + 1, rows[1].Line);
    }

    [Fact]
    public async Task AnotherNullValueAndCommentsAndCrLfAreHonoured()
    {
        var las = new LasText { Null = -9999 }.Curve("DEPT", "FT").Curve("GR", "GAPI").Row(5, -9999).Row(6, -999.25);
        var text = las.ToString().Replace("\n~A ", "\n# a comment before the data\n~A ").Replace("\n", "\r\n") + "# trailing comment\r\n";
        var (_, rows) = await ReadAsync(text);
        Assert.Equal([[5, double.NaN], [6, -999.25]], rows.Select(r => r.Values));
    }

    [Fact]
    public async Task WrappedDepthStepsRunOverLines()
    {
        var las = new LasText { WrapAt = 3 }.Curve("DEPT", "M").Image(i => $"AMP[{i}]", 7, "DB");
        las.Row(10, 1, 2, 3, 4, 5, 6, 7).Row(10.1, 8, 9, 10, 11, 12, 13, -999.25);
        var (header, rows) = await ReadAsync(las.ToString());
        Assert.True(header.Wrapped);
        Assert.Equal([[10, 1, 2, 3, 4, 5, 6, 7], [10.1, 8, 9, 10, 11, 12, 13, double.NaN]], rows.Select(r => r.Values));
    }

    [Fact]
    public async Task MalformedFilesAreRejectedNamingTheLine()
    {
        var good = new LasText().Curve("DEPT", "M").Curve("GR", "GAPI").Row(1, 2).Row(2, 3).ToString();
        var lines = good.Split('\n');
        var dataLine = Array.FindIndex(lines, l => l.StartsWith("~A")) + 2; // 1-based number of the first data line

        var e = await RejectedAsync(good.Replace("\n2 3\n", "\n2 3 4\n"));
        Assert.Equal($"line {dataLine + 1}, column 3: more values than the 2 curves of ~CURVE (WRAP NO: one line per depth step)", e.Message);
        e = await RejectedAsync(good.Replace("\n2 3\n", "\n2\n"));
        Assert.Equal($"line {dataLine + 1}: 1 values, expected 2 (one per curve of ~CURVE; WRAP NO: one line per depth step)", e.Message);
        e = await RejectedAsync(good.Replace("\n2 3\n", "\n2 x3\n"));
        Assert.Equal($"line {dataLine + 1}, column 2: 'x3' is not a number (curve GR)", e.Message);
        e = await RejectedAsync(good.Replace("VERS.   2.0", "VERS.   3.0"));
        Assert.Contains("VERS 3.0; this reader reads LAS 1.2 and 2.0", e.Message);
        e = await RejectedAsync(good[..good.IndexOf("~A", StringComparison.Ordinal)]);
        Assert.Contains("the file ends before its data section, ~A", e.Message);
        e = await RejectedAsync("depth,c1\n1,2\n");
        Assert.Equal("line 1: expected a LAS file's first section, ~VERSION, found 'depth,c1'", e.Message);
        e = await RejectedAsync(good.Replace("~WELL INFORMATION\n", "~WELL INFORMATION\n no period here\n"));
        Assert.Contains("expected a header line 'MNEMONIC.UNIT VALUE : DESCRIPTION', found 'no period here'", e.Message);
        e = await RejectedAsync(good + "~OTHER\n");
        Assert.Contains("a section after ~A", e.Message);
        e = await RejectedAsync(new LasText { WrapAt = 5 }.Curve("DEPT", "M").Image(i => $"A[{i}]", 3, "").Row(1, 2, 3, 4).ToString().Replace("\n 2 3 4\n", "\n 2 3 4 9\n"));
        Assert.Contains("with WRAP YES each depth step starts on a new line", e.Message);
        e = await RejectedAsync(new LasText { WrapAt = 5 }.Curve("DEPT", "M").Image(i => $"A[{i}]", 3, "").Row(1, 2, 3, 4).ToString().Replace("\n 2 3 4\n", "\n 2 3\n"));
        Assert.Contains("the data end within a depth step", e.Message);
    }

    /// <summary>Random truncations and byte flips of a valid file: read whole or rejected with a line, never another exception.</summary>
    [Fact]
    public async Task DamagedFilesAreReadOrRejectedNeverCrash()
    {
        var las = new LasText().Curve("DEPT", "M").Curve("GR", "GAPI").Image(i => $"AMP[{i}]", 12, "DB");
        for (var s = 0; s < 40; s++) las.Row([100 + s * 0.1, s, .. Enumerable.Range(0, 12).Select(a => (double)(a * s % 17))]);
        var bytes = las.ToBytes();
        var random = new Random(20261130);
        var (read, rejected) = (0, 0);
        for (var attempt = 0; attempt < 400; attempt++)
        {
            var damaged = random.Next(3) == 0 ? bytes[..random.Next(bytes.Length)] : (byte[])bytes.Clone();
            for (var flips = random.Next(1, 4); flips > 0 && damaged.Length > 0; flips--)
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            try
            {
                var spools = await LasImageChannels.SpoolAsync(new MemoryStream(damaged), 150, Path.GetTempPath(), default);
                foreach (var spool in spools) spool.Dispose();
                read++;
            }
            catch (LasFormatException e)
            {
                Assert.Matches(@"^line \d+", e.Message);
                rejected++;
            }
        }
        Assert.True(read > 0 && rejected > 0, $"read {read}, rejected {rejected}");
    }

    public static TheoryData<string[], string> CurveSets => new()
    {
        { ["DEPT", "GR", "AMP[1]", "AMP[2]", "AMP[3]", "CALI"], "AMP 2..4" },
        { ["DEPT", "AMP[0]", "AMP[1]"], "AMP 1..2" },
        { ["DEPT", "AMP", "AMP", "AMP", "GR"], "" },                            // same-named, no index: separate curves
        { ["DEPT", "GR", "GR", .. Enumerable.Range(0, 6).Select(i => $"GR[{i}]")], "GR 3..8" },
        { ["DEPT", .. Enumerable.Range(1, 8).Select(i => $"IMG_{i:000}")], "IMG 1..8" },
        { ["DEPT", .. Enumerable.Range(1, 8).Select(i => $"IMG{i}")], "IMG 1..8" },
        { ["DEPT", "GR1", "GR2", "GR3"], "" },                                  // too few without brackets: curves
        { ["DEPT", "AMP[1]", "AMP[3]"], "" },                                   // not consecutive
        { ["DEPT", "AMP[2]", "AMP[3]"], "" },                                   // does not start at 0 or 1
        { ["DEPT", "A[1]", "A[2]", "B[1]", "B[2]", "A[1]", "A[2]"], "A 1..2; B 3..4; A_2 5..6" },
    };

    [Theory, MemberData(nameof(CurveSets))]
    public void ImagesAreRunsOfNumberedCurves(string[] mnemonics, string expected)
    {
        var curves = mnemonics.Select((m, i) => new LasHeaderItem(m, "DB", "", "", i)).ToList();
        Assert.Equal(expected, string.Join("; ", LasImageChannels.FindImages(curves).Select(r => $"{r.Name} {r.First}..{r.First + r.Count - 1}")));
    }

    [Fact]
    public void SameNamedCurvesAreNumberedAsLasioNumbersThem()
    {
        // lasio's mnemonic_case.las: Sflu (K/M3), then four resistivities all named SFLU in some case.
        var curves = new[] { "Dept", "Sflu", "NPHI", "SFLU", "SFLU", "sflu", "SfLu", "GR[0]", "GR[1]" }.Select((m, i) => new LasHeaderItem(m, "OHMM", "", "", i)).ToList();
        Assert.Equal(["Dept", "Sflu:1", "NPHI", "SFLU:2", "SFLU:3", "sflu:4", "SfLu:5", "GR[0]", "GR[1]"], LasImageChannels.CurveNames(curves));
    }

    [Fact]
    public void ACurveInAnotherUnitEndsTheRun()
    {
        var curves = new[] { ("DEPT", "M"), ("A[1]", "DB"), ("A[2]", "DB"), ("A[3]", "MV") }.Select((c, i) => new LasHeaderItem(c.Item1, c.Item2, "", "", i)).ToList();
        Assert.Equal((1, 2), LasImageChannels.FindImages(curves).Select(r => (r.First, r.Count)).Single());
    }
}
