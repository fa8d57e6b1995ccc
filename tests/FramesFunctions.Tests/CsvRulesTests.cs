using System.Text;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>Every accept and reject rule of the CSV format, through the real ingest path into a real SQLite file.</summary>
public sealed class CsvRulesTests : IDisposable
{
    private readonly TempDatabase _db = new(o => o.TargetWidth = 4);

    public void Dispose() => _db.Dispose();

    private FrameWindow Read(string dataset = "test") => _db.Store.ReadFrames(dataset, DepthRange.All, int.MaxValue, 0)!;

    [Theory]
    [InlineData("depth,a,b,c,d\n1,10,20,30,40\n", "LF")]
    [InlineData("depth,a,b,c,d\r\n1,10,20,30,40\r\n", "CRLF")]
    [InlineData("depth,a,b,c,d\n1,10,20,30,40", "no final newline")]
    [InlineData("\uFEFFdepth,a,b,c,d\n1,10,20,30,40\n", "BOM")]
    [InlineData("DEPTH,a,b,c,d\n1,10,20,30,40\n", "upper-case header")]
    [InlineData("\"depth\",\"a\",\"b\",\"c\",\"d\"\n\"1\",\"10\",\"20\",\"30\",\"40\"\n", "quoted fields")]
    [InlineData("depth,a,b,c,d\n1,10.0,20,30,40\n", "integral decimal")]
    [InlineData("depth,a,b,c,d\n1,10,20,30,40\n,,,,\n", "trailing empty row")]
    public async Task Accepts(string csv, string why)
    {
        var result = await _db.IngestTextAsync(csv);
        Assert.True(result.Status == IngestStatus.Succeeded, $"{why}: {result.Error}");
        var frames = Read();
        Assert.Equal(1, frames.Count);
        Assert.Equal(1.0, frames.Depths[0]);
        Assert.Equal(new byte[] { 10, 20, 30, 40 }, frames.Row(0).ToArray());
    }

    [Fact]
    public async Task SkipsAllEmptyRowsAndCountsThem()
    {
        var result = await _db.IngestTextAsync("depth,a,b,c,d\n1,1,1,1,1\n,,,,\n2,2,2,2,2\n\n,,,,\n");
        Assert.Equal(IngestStatus.Succeeded, result.Status);
        Assert.Equal(2, result.Rows);
        Assert.Equal(3, result.SkippedRows);
        Assert.Equal(3, _db.Store.FindDataset("test")!.SkippedRows);
    }

    [Fact]
    public async Task KeepsRowsInAnyOrderAndReturnsThemByDepth()
    {
        var result = await _db.IngestTextAsync(Csv.Of(4, ("3", 30), ("-1.5", 10), ("2", 20)));
        Assert.Equal(IngestStatus.Succeeded, result.Status);
        var frames = Read();
        Assert.Equal([-1.5, 2, 3], frames.Depths.ToArray());
        Assert.Equal(30, frames.Row(2)[0]);
    }

    [Fact]
    public async Task KeepsDepthsExactlyAsWritten()
    {
        await _db.IngestTextAsync(Csv.Of(4, ("9000.1", 1), ("9000.2", 2), ("9546.0", 3)));
        var frames = Read();
        Assert.Equal(["9000.1", "9000.2", "9546"], frames.Depths.ToArray().Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("", null, null, "empty")]
    [InlineData("\n\n", null, null, "empty")]
    [InlineData("depth,a,b,c,d\n", null, null, "no data rows")]
    [InlineData("depth,a,b,c,d\n,,,,\n", null, null, "no data rows")]
    [InlineData("1,10,20,30,40\n2,10,20,30,40\n", 1, 1, "no header")]
    [InlineData("x,a,b,c,d\n1,10,20,30,40\n", 1, 1, "'depth'")]
    [InlineData("depth\n1\n", 1, null, "at least one pixel column")]
    [InlineData("depth;a;b;c;d\n1;10;20;30;40\n", 1, 1, "';' between cells, expected commas")]
    [InlineData("depth\ta\tb\tc\td\n1\t10\t20\t30\t40\n", 1, 1, "'\\t' between cells, expected commas")]
    [InlineData("depth|a|b|c|d\n1|10|20|30|40\n", 1, 1, "'|' between cells, expected commas")]
    [InlineData("depth,a,b,c,d\n1,10,20,30\n", 2, null, "expected 5 cells")]
    [InlineData("depth,a,b,c,d\n1,10,20,30,40,50\n", 2, null, "found 6")]
    [InlineData("depth,a,b,c,d\nabc,10,20,30,40\n", 2, 1, "finite decimal depth")]
    [InlineData("depth,a,b,c,d\nNaN,10,20,30,40\n", 2, 1, "finite decimal depth")]
    [InlineData("depth,a,b,c,d\nInfinity,10,20,30,40\n", 2, 1, "finite decimal depth")]
    [InlineData("depth,a,b,c,d\n,10,20,30,40\n", 2, 1, "finite decimal depth")]
    [InlineData("depth,a,b,c,d\n1,10,20,30,40\n2,10,12.5,30,40\n", 3, 3, "'b'")]
    [InlineData("depth,a,b,c,d\n1,10,20,-1,40\n", 2, 4, "integer grey value 0..255, found '-1'")]
    [InlineData("depth,a,b,c,d\n1,10,20,30,256\n", 2, 5, "found '256'")]
    [InlineData("depth,a,b,c,d\n1,10,abc,30,40\n", 2, 3, "found 'abc'")]
    [InlineData("depth,a,b,c,d\n1,10,,30,40\n", 2, 3, "found ''")]
    [InlineData("depth,a,b,c,d\n1,1,1,1,1\n2,2,2,2,2\n1.0,3,3,3,3\n", 4, 1, "already on line 2")]
    [InlineData("depth,a,b,c,d\n1,1,1,1,1\n\"2,2,2,2,2\n3,3,3,3,3\n", 3, null, "never closed")]
    public async Task RejectsNamingLineAndColumn(string csv, int? line, int? column, string expected)
    {
        var result = await _db.IngestTextAsync(csv);
        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.Contains(expected, result.Error);
        if (line is not null) Assert.StartsWith($"line {line}", result.Error);
        if (column is not null) Assert.Contains($"column {column}", result.Error);
        Assert.Null(_db.Store.FindDataset("test"));
        Assert.Equal("rejected", _db.Store.IngestionLog("test")[0].Status);
    }

    [Fact]
    public async Task RejectsBinaryFiles()
    {
        var bytes = Encoding.UTF8.GetBytes("depth,a\n1,2\n").Concat(new byte[] { 0, 1, 2, 0x89, 0x50 }).ToArray();
        var result = await _db.IngestBytesAsync(bytes);
        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.Contains("binary", result.Error);
    }

    [Theory]
    [InlineData("Bad Name!")]
    [InlineData("../etc/passwd")]
    [InlineData("-leading-dash")]
    [InlineData("ünicode")]
    [InlineData("ｉｍｇ")] // full-width look-alike of "img"
    [InlineData("/abs/path")]
    [InlineData("a..b")]
    [InlineData("x'; DROP TABLE frames;--")]
    public async Task RejectsInvalidDatasetIds(string id)
    {
        var result = await _db.IngestTextAsync(Csv.Of(4, ("1", 1)), id);
        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.Contains("is not valid", result.Error);
        Assert.Empty(_db.Store.ListDatasets());
    }

    [Fact]
    public async Task FoldsDatasetIdsToLowerCase()
    {
        var result = await _db.IngestTextAsync(Csv.Of(4, ("1", 1)), "Well_A-01");
        Assert.Equal("well_a-01", result.DatasetId);
        Assert.NotNull(_db.Store.FindDataset("well_a-01"));
    }

    [Fact]
    public async Task EnforcesSizeColumnAndRowLimits()
    {
        using var limited = new TempDatabase(o => { o.TargetWidth = 4; o.MaxColumns = 3; o.MaxRows = 2; o.MaxCsvBytes = 200; });
        Assert.Contains("FRAMES_MAX_COLUMNS", (await limited.IngestTextAsync(Csv.Of(4, ("1", 1)))).Error);
        Assert.Contains("FRAMES_MAX_ROWS", (await limited.IngestTextAsync(Csv.Of(2, ("1", 1), ("2", 1), ("3", 1)))).Error);
        var big = Csv.Header(2) + "\n" + string.Join("\n", Enumerable.Range(0, 100).Select(i => $"{i},1,1"));
        Assert.Contains("FRAMES_MAX_CSV_BYTES", (await limited.IngestTextAsync(big)).Error);
    }

    /// <summary>Plain rows take a one-pass fast path; rows with quotes, padding, leading zeros or "12.0" take the
    /// per-cell path. Both must store the same pixels for the same greys.</summary>
    [Fact]
    public async Task DecoratedCellsStoreTheSamePixelsAsPlainOnes()
    {
        var random = new Random(5);
        var greys = Enumerable.Range(0, 50).Select(_ => Enumerable.Range(0, 8).Select(_ => random.Next(256)).ToArray()).ToArray();
        string Decorate(int g, int i) => (i % 5) switch { 0 => $"\"{g}\"", 1 => $" {g}", 2 => g.ToString("000"), 3 => $"{g}.0", _ => g.ToString() };
        var plain = Csv.Header(8) + "\n" + string.Join("\n", greys.Select((row, r) => Csv.Row(r.ToString(), row))) + "\n";
        var decorated = Csv.Header(8) + "\n" + string.Join("\n", greys.Select((row, r) => r + "," + string.Join(",", row.Select((g, i) => Decorate(g, i + r))))) + "\n";
        Assert.Equal(IngestStatus.Succeeded, (await _db.IngestTextAsync(plain, "plain")).Status);
        Assert.Equal(IngestStatus.Succeeded, (await _db.IngestTextAsync(decorated, "decorated")).Status);
        Assert.Equal(_db.Store.ReadFrames("plain", DepthRange.All, 100, 0)!.Pixels.ToArray(), _db.Store.ReadFrames("decorated", DepthRange.All, 100, 0)!.Pixels.ToArray());
    }

    /// <summary>The plain-row fast path reads four bytes at a time; on every row it accepts it must agree with
    /// the cell-by-cell rules, and it must accept every row of plain 1-3 digit greys (else the fast path is
    /// lost silently). Rows, one to eighty cells after a short or a long depth, are built from cells that sit at its edges: 0-4 digits, leading zeros, 255/256,
    /// signs, spaces, decimals, empty cells, and too few or too many cells.</summary>
    [Fact]
    public void PlainRowFastPathAgreesWithCellByCellParsing()
    {
        string[] odd = ["", "0000", "256", "999", "1000", "+1", "-0", " 7", "7 ", "1.0", "1e2", "a", "25x", ";"];
        var random = new Random(11);
        for (var trial = 0; trial < 20_000; trial++)
        {
            var width = random.Next(1, trial % 2 == 0 ? 12 : 80); // short rows, and rows over several 32-byte blocks
            var cells = Enumerable.Range(0, width + (random.Next(20) == 0 ? random.Next(-1, 2) : 0)).Select(_ => random.Next(10) switch
            {
                0 => odd[random.Next(odd.Length)],
                1 => random.Next(256).ToString("000"),
                2 => random.Next(10).ToString(),
                _ => random.Next(256).ToString(),
            }).ToArray();
            var raw = Encoding.UTF8.GetBytes((trial % 3 == 0 ? "1" : "1234.5") + "," + string.Join(",", cells));
            var expected = cells.Length == width && cells.All(c => c.Length is >= 1 and <= 3 && c.All(char.IsAsciiDigit) && int.Parse(c) <= 255)
                ? cells.Select(byte.Parse).ToArray() : null;
            var greys = new byte[width];
            var accepted = Parse.CsvFrameReader.TryParsePlainGreys(raw, greys);
            Assert.True(accepted == expected is not null, $"'{Encoding.UTF8.GetString(raw)}': fast path said {accepted}");
            if (accepted) Assert.Equal(expected, greys);
        }
    }
}
