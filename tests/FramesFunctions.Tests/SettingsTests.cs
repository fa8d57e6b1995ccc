using System.Text.Json;
using ImageFrames.Configuration;
using Microsoft.Extensions.Configuration;

namespace ImageFrames.Tests;

/// <summary>Settings whose values (or products) would overflow a buffer stop start-up naming the setting, and
/// the CLI refuses them with exit 1 (settings) or 2 (its own options) instead of crashing.</summary>
public sealed class SettingsTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Theory]
    [InlineData("FRAMES_CHUNK_SIZE", "FRAMES_TARGET_WIDTH=4096", "FRAMES_CHUNK_SIZE=1000000")]
    [InlineData("FRAMES_MAX_IMAGE_PIXELS", "FRAMES_MAX_IMAGE_PIXELS=99999999999999")]
    [InlineData("FRAMES_MAX_IMAGE_PIXELS", "FRAMES_MAX_IMAGE_PIXELS=10")]
    [InlineData("FRAMES_BUSY_TIMEOUT_SECONDS", "FRAMES_BUSY_TIMEOUT_SECONDS=2147484")]
    [InlineData("FRAMES_MAX_COLUMNS", "FRAMES_MAX_COLUMNS=2000000000")]
    [InlineData("FRAMES_ABANDONED_AFTER_SECONDS", "FRAMES_ABANDONED_AFTER_SECONDS=5")]
    [InlineData("FRAMES_BACKUP_KEEP", "FRAMES_BACKUP_KEEP=0")]
    [InlineData("FRAMES_RATE_LIMIT", "FRAMES_RATE_LIMIT=-1")]
    [InlineData("FRAMES_RATE_LIMIT", "FRAMES_RATE_LIMIT=fast")]
    [InlineData("FRAMES_METRICS_OPEN", "FRAMES_METRICS_OPEN=maybe")]
    [InlineData("FRAMES_RATE_BURST", "FRAMES_RATE_LIMIT=10", "FRAMES_RATE_BURST=2")]
    [InlineData("FRAMES_CORS_ORIGINS", "FRAMES_CORS_ORIGINS=viewer.example.com")]
    [InlineData("FRAMES_CORS_ORIGINS", "FRAMES_CORS_ORIGINS=https://viewer.example.com/app")]
    [InlineData("FRAMES_CORS_ORIGINS", "FRAMES_CORS_ORIGINS=*,https://viewer.example.com")]
    [InlineData("FRAMES_BACKUP_SCHEDULE", "FRAMES_BACKUP_SCHEDULE=daily")]
    [InlineData("FRAMES_BACKUP_CONTAINER", "FRAMES_BACKUP_CONTAINER= ")]
    [InlineData("FRAMES_NORMALIZE_CLIP", "FRAMES_NORMALIZE=linear", "FRAMES_NORMALIZE_CLIP=98,2")]
    [InlineData("FRAMES_NORMALIZE_CLIP", "FRAMES_NORMALIZE=linear", "FRAMES_NORMALIZE_CLIP=2")]
    [InlineData("FRAMES_NORMALIZE_CLIP", "FRAMES_NORMALIZE=equalize", "FRAMES_NORMALIZE_CLIP=2,98")]
    public async Task OverflowingSettingsAreRefusedByName(string named, params string[] settings)
    {
        var configuration = Settings(settings.Select(s => (s.Split('=')[0], s.Split('=')[1])).Append(("FRAMES_DB_PATH", _db.Options.DatabasePath)).ToArray());
        var failure = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => FramesOptions.From(configuration));
        Assert.Contains(named, failure.Message);

        var stderr = new StringWriter();
        Assert.Equal(1, await Cli.CommandLine.RunAsync(["datasets"], new StringWriter(), stderr, configuration));
        Assert.Contains(named, stderr.ToString());
    }

    /// <summary>No guessable token: a short one stops start-up (without echoing it); none keeps admin off.</summary>
    [Fact]
    public void AShortAdminTokenIsRefusedWithoutBeingEchoed()
    {
        var failure = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => FramesOptions.From(Settings(("ADMIN_TOKEN", "hunter2-hunter2"))));
        Assert.Contains("ADMIN_TOKEN", failure.Message);
        Assert.DoesNotContain("hunter2", failure.Message);
        Assert.Null(FramesOptions.From(Settings()).AdminToken);
        Assert.Equal(new string('k', 32), FramesOptions.From(Settings(("ADMIN_TOKEN", new string('k', 32)))).AdminToken);
    }

    /// <summary>A FRAMES_POSTGRES the driver cannot read, or with no host, stops start-up and the CLI by name,
    /// without echoing the value (it holds a password).</summary>
    [Theory]
    [InlineData("Host=db;Database=frames;Password=hunter2-pw;Colour=blue")]   // unknown keyword
    [InlineData("Host=db;Port=eighty;Password=hunter2-pw")]                    // a value of the wrong type
    [InlineData("Database=frames;Username=frames;Password=hunter2-pw")]        // no host
    [InlineData("hunter2-pw")]                                                  // not a connection string at all
    public async Task ABadPostgresSettingIsRefusedByNameWithoutItsValue(string value)
    {
        var configuration = Settings(("FRAMES_POSTGRES", value));
        var failure = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => FramesOptions.From(configuration));
        Assert.Contains("FRAMES_POSTGRES", failure.Message);
        Assert.DoesNotContain("hunter2", failure.Message);

        var stderr = new StringWriter();
        Assert.Equal(1, await Cli.CommandLine.RunAsync(["datasets"], new StringWriter(), stderr, configuration));
        Assert.Contains("FRAMES_POSTGRES", stderr.ToString());
        Assert.DoesNotContain("hunter2", stderr.ToString());
    }

    [Fact]
    public async Task AChunkSizeThatOverflowsWithTheWidthIsAUsageError()
    {
        var csv = Path.Combine(_db.Folder, "x.csv");
        await File.WriteAllTextAsync(csv, Csv.Of(4, ("1", 1)));
        var stderr = new StringWriter();
        var settings = Settings(("FRAMES_DB_PATH", _db.Options.DatabasePath), ("FRAMES_TARGET_WIDTH", "4096"));
        Assert.Equal(2, await Cli.CommandLine.RunAsync(["ingest", csv, "--chunk-size", "1000000"], new StringWriter(), stderr, settings));
        Assert.Contains("--chunk-size", stderr.ToString());
    }

    /// <summary>render --out FILE.json streams pages from one snapshot: a 25,000-row window crosses three pages.</summary>
    [Fact]
    public async Task JsonOutputIsStreamedAcrossPages()
    {
        var rows = Csv.Header(3) + "\n" + string.Join("\n", Enumerable.Range(0, 25_000).Select(i => Csv.Row(i.ToString(), [i % 256, 0, 255]))) + "\n";
        await _db.IngestTextAsync(rows, "long");
        var json = Path.Combine(_db.Folder, "long.json");
        var settings = Settings(("FRAMES_DB_PATH", _db.Options.DatabasePath));
        Assert.Equal(0, await Cli.CommandLine.RunAsync(["render", "long", "--depth-min", "2", "--out", json], new StringWriter(), new StringWriter(), settings));

        var document = JsonDocument.Parse(File.ReadAllBytes(json)).RootElement;
        var frames = document.GetProperty("frames");
        Assert.Equal(24_998, frames.GetArrayLength());
        Assert.Equal(2.0, frames[0].GetProperty("depth").GetDouble());
        Assert.Equal(24_999.0, frames[24_997].GetProperty("depth").GetDouble());
        Assert.Equal(24_999 % 256, frames[24_997].GetProperty("pixels")[0].GetInt32());
        var metadata = document.GetProperty("metadata");
        Assert.Equal((24_998, 24_998, false), (metadata.GetProperty("count").GetInt32(), metadata.GetProperty("total").GetInt32(), metadata.GetProperty("has_more").GetBoolean()));
    }
}
