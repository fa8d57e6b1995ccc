using System.Data;
using System.Data.Common;
using Azure.Core;
using ImageFrames.Configuration;
using Npgsql;
using NpgsqlTypes;

namespace ImageFrames.Store;

/// <summary>
/// The store in a PostgreSQL database (<c>FRAMES_POSTGRES</c>, an Npgsql connection string) that any number of
/// function instances and CLIs share. One <see cref="NpgsqlDataSource"/> pools the connections. Chunks go in
/// by binary COPY; reads of several statements run in REPEATABLE READ transactions, so each sees one snapshot
/// without blocking writers (a read of one known version needs none, see <see cref="FrameStore.ReadLocated"/>);
/// publishes and deletes of one dataset take a transaction-scoped advisory lock, so they happen one at a time
/// across every instance, as SQLite's write lock makes them on one machine.
/// </summary>
public sealed class PostgresFrameStore : FrameStore
{
    private readonly NpgsqlDataSource _dataSource;

    public override string Kind => "postgres";
    public override string Location { get; }

    /// <summary>The scope of Microsoft Entra access tokens for Azure Database for PostgreSQL.</summary>
    public const string EntraScope = "https://ossrdbms-aad.database.windows.net/.default";

    /// <param name="credential">When the connection string has no password, the identity whose Entra access
    /// tokens are the password (passwordless Azure Database for PostgreSQL); tokens last an hour or more, and a
    /// new one is fetched every 45 minutes (after a failure, every 10 seconds) so none expires in use.</param>
    public PostgresFrameStore(FramesOptions options, TokenCredential? credential = null) : base(options.TargetWidth)
    {
        var builder = new NpgsqlDataSourceBuilder(options.PostgresConnectionString);
        Location = Describe(builder.ConnectionStringBuilder);
        // Every request runs the same few statements: prepared on each pooled connection after their second use,
        // they skip parsing and planning — 100-row JSON window 1.13–1.20 → 0.64–0.70 ms (interleaved runs). A
        // connection string that sets Max Auto Prepare (e.g. 0 behind an old transaction-pooling PgBouncer) wins.
        if (!Names(options.PostgresConnectionString!, "Max Auto Prepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        if (credential is not null && string.IsNullOrEmpty(builder.ConnectionStringBuilder.Password))
        {
            builder.UsePeriodicPasswordProvider(
                async (_, ct) => (await credential.GetTokenAsync(new TokenRequestContext([EntraScope]), ct).ConfigureAwait(false)).Token,
                successRefreshInterval: TimeSpan.FromMinutes(45), failureRefreshInterval: TimeSpan.FromSeconds(10));
            Location += " (Microsoft Entra token)";
        }
        _dataSource = builder.Build();
    }

    /// <summary>Whether a connection string asks for Entra tokens: no password, and a server in Azure Database for
    /// PostgreSQL or a managed identity named by <c>AZURE_CLIENT_ID</c>. Elsewhere a missing password means the
    /// server needs none (trust, peer, a <c>.pgpass</c> file).</summary>
    public static bool WantsEntraToken(string connectionString, string? azureClientId)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return string.IsNullOrEmpty(builder.Password)
               && (builder.Host?.EndsWith(".postgres.database.azure.com", StringComparison.OrdinalIgnoreCase) == true || !string.IsNullOrEmpty(azureClientId));
    }

    /// <summary>Whether the connection string itself sets <paramref name="keyword"/> (spaces and case aside).</summary>
    private static bool Names(string connectionString, string keyword) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => key.Replace(" ", "").Equals(keyword.Replace(" ", ""), StringComparison.OrdinalIgnoreCase));

    /// <summary>Host, port, database and user: what a message may show of a connection string (never its password).</summary>
    public static string Describe(NpgsqlConnectionStringBuilder cs) =>
        $"postgres://{cs.Username ?? "(default user)"}@{cs.Host}:{cs.Port}/{cs.Database ?? cs.Username ?? "(default database)"}";

    private void Migrate()
    {
        using var connection = _dataSource.OpenConnection();
        PostgresSchema.Migrate(connection);
    }

    internal override DbConnection Open(bool forWriting = false)
    {
        EnsureSchema(Migrate);
        CountOpen();
        return _dataSource.OpenConnection();
    }

    // ---- change watch: LISTEN/NOTIFY --------------------------------------------------------------------

    private const string Channel = "frames_changed";
    private readonly CancellationTokenSource _stopListening = new();
    private readonly Lock _listenerGate = new();
    private Task? _listener;
    private long _notified;
    private volatile bool _listening;

    /// <summary>A publish or delete notifies (in its transaction, so on commit); a connection of this store's own
    /// LISTENs on a background task.</summary>
    internal override void NotifyChanged(DbConnection connection, DbTransaction tx, string datasetId)
    {
        using var notify = connection.Command($"SELECT pg_notify('{Channel}', @id)", tx).With("@id", datasetId);
        notify.ExecuteNonQuery();
    }

    /// <summary>
    /// How many publishes were notified since the listener last (re)connected — started on first use, so a CLI that
    /// never serves never listens. While it is not listening (starting, or after its connection failed: it
    /// reconnects every 2 s), every stamp is new; a reconnect counts as a change, since notifications sent meanwhile
    /// were lost. A quiet connection is probed every 30 s, so a silently dropped one is noticed.
    /// </summary>
    public override long SizeBytes()
    {
        using var connection = Open();
        using var command = connection.Command("SELECT pg_database_size(current_database())");
        return Convert.ToInt64(command.ExecuteScalar());
    }

    public override long ChangeStamp()
    {
        if (_listener is null)
            lock (_listenerGate) _listener ??= Task.Run(ListenAsync);
        return _listening ? Interlocked.Read(ref _notified) : base.ChangeStamp();
    }

    private async Task ListenAsync()
    {
        var ct = _stopListening.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                EnsureSchema(Migrate);
                await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                connection.Notification += (_, _) => Interlocked.Increment(ref _notified);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection)) await listen.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                Interlocked.Increment(ref _notified);
                _listening = true;
                while (true)
                {
                    if (await connection.WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false)) continue;
                    await using var probe = new NpgsqlCommand("SELECT 1", connection);
                    await probe.ExecuteScalarAsync(ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                _listening = false;
                try { await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
            finally
            {
                _listening = false;
            }
        }
    }

    internal override DbTransaction BeginWrite(DbConnection connection) => ((NpgsqlConnection)connection).BeginTransaction(IsolationLevel.ReadCommitted);

    /// <summary>Batches commit asynchronously (the WAL writer flushes them within a fraction of a second); the
    /// publish that makes them visible is an ordinary, durable commit.</summary>
    internal override DbTransaction BeginBatch(DbConnection connection)
    {
        var tx = BeginWrite(connection);
        connection.Execute("SET LOCAL synchronous_commit = off", tx);
        return tx;
    }

    internal override DbTransaction BeginRead(DbConnection connection) => ((NpgsqlConnection)connection).BeginTransaction(IsolationLevel.RepeatableRead);

    internal override DbTransaction? BeginVersionRead(DbConnection connection) => null;

    /// <summary>Held until the transaction ends; the key is the dataset id's 64-bit hash (a collision only serialises two datasets).</summary>
    internal override void LockDataset(DbConnection connection, DbTransaction tx, string datasetId)
    {
        using var command = connection.Command("SELECT pg_advisory_xact_lock(hashtextextended(@id, 0))", tx).With("@id", datasetId);
        command.ExecuteNonQuery();
    }

    internal override DbType TimeType => DbType.DateTimeOffset;
    internal override object TimeValue(DateTimeOffset value) => value.ToUniversalTime();
    internal override DateTimeOffset ReadTime(DbDataReader reader, int i) => reader.GetFieldValue<DateTimeOffset>(i);

    /// <summary>One binary COPY per batch: the fastest way into PostgreSQL, and a single round trip.</summary>
    internal override void WriteChunks(DbConnection connection, DbTransaction tx, long version, IReadOnlyList<Chunk> chunks)
    {
        using var import = ((NpgsqlConnection)connection).BeginBinaryImport(
            "COPY chunks (version, level, first_row, row_count, depth_min, depth_max, depths, lines, pixels) FROM STDIN (FORMAT BINARY)");
        foreach (var chunk in chunks)
        {
            import.StartRow();
            import.Write(version, NpgsqlDbType.Bigint);
            import.Write(chunk.Level, NpgsqlDbType.Integer);
            import.Write(chunk.FirstRow, NpgsqlDbType.Integer);
            import.Write(chunk.Depths.Length, NpgsqlDbType.Integer);
            import.Write(chunk.Depths[0], NpgsqlDbType.Double);
            import.Write(chunk.Depths[^1], NpgsqlDbType.Double);
            import.Write(Chunks.DepthBytes(chunk.Depths), NpgsqlDbType.Bytea);
            if (chunk.Lines is null) import.WriteNull();
            else import.Write(Chunks.LineBytes(chunk.Lines), NpgsqlDbType.Bytea);
            import.Write(chunk.Pixels, NpgsqlDbType.Bytea);
        }
        import.Complete();
    }

    /// <summary>The server cuts each chunk's pixels to the rows wanted (<c>substring</c> of an uncompressed,
    /// out-of-line value reads only the pages holding them), so a small window moves only its own bytes.</summary>
    internal override IEnumerable<FramePage> ReadPages(DbConnection connection, DbTransaction? tx, long version, int level, int from, int to, int rowBytes)
    {
        using var command = connection.Command("""
                SELECT first_row, depths, substring(pixels FROM greatest(@from - first_row, 0) * @w + 1
                                                         FOR (least(first_row + row_count, @to) - greatest(first_row, @from)) * @w)
                FROM chunks WHERE version = @v AND level = @l AND first_row >= @first AND first_row < @to ORDER BY first_row
                """, tx)
            .With("@v", version).With("@l", level).With("@from", from).With("@to", to).With("@first", FirstChunkRow(from)).With("@w", rowBytes);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var firstRow = reader.GetInt32(0);
            var depths = Chunks.Depths(reader.GetFieldValue<byte[]>(1));
            var skip = Math.Max(0, from - firstRow);
            var take = Math.Min(firstRow + depths.Length, to) - firstRow - skip;
            yield return new FramePage(firstRow + skip, depths.Slice(skip, take).ToArray(), reader.GetFieldValue<byte[]>(2));
        }
    }

    public override void Dispose()
    {
        _stopListening.Cancel();
        try { _listener?.Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException) { /* it stops either way */ }
        _dataSource.Dispose();
        base.Dispose();
    }
}
