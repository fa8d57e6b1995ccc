using System.Diagnostics.Metrics;
using System.Text;
using ImageFrames.Configuration;
using ImageFrames.Ingest;
using ImageFrames.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Tests;

/// <summary>A real SQLite file in a fresh temp folder, with the ingest service over it; deleted afterwards.</summary>
public sealed class TempDatabase : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("imageframes-").FullName;
    public FramesOptions Options { get; }
    public FrameStore Store { get; }
    public IngestService Ingest { get; }
    /// <summary>This database's own meters (an IMeterFactory of its own), so tests can listen to just them.</summary>
    public IMeterFactory MeterFactory { get; } = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
    public FramesMetrics Metrics { get; }

    public TempDatabase(Action<FramesOptions>? configure = null)
    {
        Options = new FramesOptions { DatabasePath = Path.Combine(Folder, "frames.db"), BusyTimeoutSeconds = 30 };
        configure?.Invoke(Options);
        Store = new SqliteFrameStore(Options);
        Metrics = new FramesMetrics(MeterFactory);
        Ingest = new IngestService(Store, Options, Metrics, NullLogger<IngestService>.Instance);
    }

    public Task<IngestResult> IngestTextAsync(string csv, string dataset = "test") =>
        IngestBytesAsync(Encoding.UTF8.GetBytes(csv), dataset);

    public async Task<IngestResult> IngestBytesAsync(byte[] csv, string dataset = "test")
    {
        using var stream = new MemoryStream(csv);
        return await Ingest.IngestAsync(stream, dataset, dataset + ".csv");
    }

    public async Task<IngestResult> IngestFileAsync(string path, string? dataset = null)
    {
        await using var stream = File.OpenRead(path);
        return await Ingest.IngestAsync(stream, dataset, Path.GetFileName(path));
    }

    /// <summary>Rows the file holds at level 0 of every version, published or not (chunked or staged).</summary>
    public long StoredRows() =>
        (long)Scalar("SELECT (SELECT coalesce(sum(row_count), 0) FROM chunks WHERE level = 0) + (SELECT count(*) FROM staging)")!;

    /// <summary>Runs one SQL statement on a connection of its own, outside the store: what the file really holds.</summary>
    public object? Scalar(string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Options.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Builds small CSV texts: a header of N pixel columns and rows of values.</summary>
public static class Csv
{
    public static string Header(int columns) => "depth," + string.Join(",", Enumerable.Range(1, columns).Select(i => $"col{i}"));

    public static string Row(string depth, IEnumerable<int> values) => depth + "," + string.Join(",", values);

    public static string Of(int columns, params (string Depth, int Value)[] rows) =>
        Header(columns) + "\n" + string.Join("\n", rows.Select(r => Row(r.Depth, Enumerable.Repeat(r.Value, columns)))) + "\n";
}
