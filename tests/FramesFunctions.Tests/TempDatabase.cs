using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using ImageFrames.Configuration;
using ImageFrames.Ingest;
using ImageFrames.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Tests;

/// <summary>A real, empty store — a SQLite file in a fresh temp folder, or (<see cref="PostgresAsync"/>) a fresh
/// database on the tests' PostgreSQL server — with the ingest service over it; deleted afterwards.</summary>
public sealed class TempDatabase : IDisposable
{
    private readonly Action? _drop;

    public string Folder { get; } = Directory.CreateTempSubdirectory("imageframes-").FullName;
    public FramesOptions Options { get; }
    public FrameStore Store { get; }
    public IngestService Ingest { get; }
    /// <summary>This database's own meters (an IMeterFactory of its own), so tests can listen to just them.</summary>
    public IMeterFactory MeterFactory { get; } = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
    public FramesMetrics Metrics { get; }

    public TempDatabase(Action<FramesOptions>? configure = null) : this(configure, null, null) { }

    private TempDatabase(Action<FramesOptions>? configure, string? postgres, Action? drop)
    {
        Options = new FramesOptions { DatabasePath = Path.Combine(Folder, "frames.db"), BusyTimeoutSeconds = 30, PostgresConnectionString = postgres };
        configure?.Invoke(Options);
        _drop = drop;
        Store = FrameStore.Create(Options);
        Metrics = new FramesMetrics(MeterFactory);
        Ingest = new IngestService(Store, Options, Metrics, NullLogger<IngestService>.Instance);
    }

    /// <summary>The stores the two-store tests run on.</summary>
    public static TheoryData<string> StoreKinds => ["sqlite", "postgres"];

    /// <summary>A fresh store of <paramref name="kind"/>: a SQLite file, or a database of its own on the fixture's server.</summary>
    public static async Task<TempDatabase> OfKindAsync(string kind, PostgresFixture server, Action<FramesOptions>? configure = null)
    {
        var db = kind == "postgres" ? await PostgresAsync(server, configure) : new TempDatabase(configure);
        Assert.Equal(kind, db.Store.Kind);
        return db;
    }

    /// <summary>A fresh database of its own on the fixture's server, dropped when disposed.</summary>
    public static async Task<TempDatabase> PostgresAsync(PostgresFixture server, Action<FramesOptions>? configure = null)
    {
        var connectionString = await server.CreateDatabaseAsync();
        return new TempDatabase(configure, connectionString, () => server.DropDatabaseAsync(connectionString).GetAwaiter().GetResult());
    }

    /// <summary>Another store over the same database, as another instance of the app would open it.</summary>
    public FrameStore OpenAnother(Action<FramesOptions>? configure = null)
    {
        var options = new FramesOptions
        {
            DatabasePath = Options.DatabasePath, BusyTimeoutSeconds = Options.BusyTimeoutSeconds, PostgresConnectionString = Options.PostgresConnectionString,
        };
        configure?.Invoke(options);
        return FrameStore.Create(options);
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

    /// <summary>The command line (`frames`) in a process of its own, as a user runs it, on this database.</summary>
    public Process StartCli(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Folder, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            Environment = { ["FRAMES_DB_PATH"] = Options.DatabasePath, ["FRAMES_POSTGRES"] = Options.PostgresConnectionString },
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "frames.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    /// <summary><see cref="StartCli"/> to its end: exit code, standard output, standard error.</summary>
    public async Task<(int Exit, string Out, string Err)> RunCliAsync(params string[] args)
    {
        using var process = StartCli(args);
        process.StandardInput.Close();
        var (output, errors) = (process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, await errors);
    }

    /// <summary>Rows the file holds at level 0 of every version, published or not (chunked or staged).</summary>
    public long StoredRows() =>
        (long)Scalar("SELECT (SELECT coalesce(sum(row_count), 0) FROM chunks WHERE level = 0) + (SELECT count(*) FROM staging)")!;

    /// <summary>Runs one SQL statement on a connection of its own, outside the store: what the database really holds.</summary>
    public object? Scalar(string sql)
    {
        using System.Data.Common.DbConnection connection = Store is PostgresFrameStore
            ? new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(Options.PostgresConnectionString) { Pooling = false }.ConnectionString)
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Options.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>Holds every writer (and, on PostgreSQL, every reader of <c>datasets</c>) at the database until
    /// released: SQLite's write lock, or an exclusive lock on PostgreSQL's <c>datasets</c> table.</summary>
    public DatabaseGate Hold() => new(this);

    public sealed class DatabaseGate : IDisposable
    {
        private readonly System.Data.Common.DbConnection _connection;
        private readonly System.Data.Common.DbTransaction _tx;
        private readonly bool _postgres;
        private readonly string? _postgresConnectionString;

        internal DatabaseGate(TempDatabase db)
        {
            _postgres = db.Store is PostgresFrameStore;
            _postgresConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(db.Options.PostgresConnectionString) { Pooling = false }.ConnectionString;
            _connection = _postgres
                ? new Npgsql.NpgsqlConnection(_postgresConnectionString)
                : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db.Options.DatabasePath};Pooling=False");
            _connection.Open();
            _tx = _postgres ? _connection.BeginTransaction() : ((Microsoft.Data.Sqlite.SqliteConnection)_connection).BeginTransaction(deferred: false);
            if (!_postgres) return;
            using var command = _connection.CreateCommand();
            command.Transaction = _tx;
            command.CommandText = "LOCK TABLE datasets IN ACCESS EXCLUSIVE MODE";
            command.ExecuteNonQuery();
        }

        /// <summary>Until <paramref name="count"/> sessions wait for a lock (PostgreSQL's pg_locks); SQLite shows no
        /// waiters, so there it waits half a second.</summary>
        public async Task WaitForWaitersAsync(int count)
        {
            if (!_postgres)
            {
                await Task.Delay(500);
                return;
            }
            var clock = Stopwatch.StartNew();
            while (true)
            {
                await using var probe = new Npgsql.NpgsqlConnection(_postgresConnectionString);
                await probe.OpenAsync();
                await using var command = new Npgsql.NpgsqlCommand("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted", probe);
                if ((long)(await command.ExecuteScalarAsync())! >= count) return;
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the writers never reached the lock");
                await Task.Delay(20);
            }
        }

        public void Release() => _tx.Rollback();

        public void Dispose()
        {
            _tx.Dispose();
            _connection.Dispose();
        }
    }

    public void Dispose()
    {
        Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _drop?.Invoke();
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
