using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ImageFrames.Resize;

namespace ImageFrames.Configuration;

/// <summary>Every setting the service reads, bound from flat environment-style keys (app settings in Azure,
/// <c>local.settings.json</c> under Core Tools, environment variables in Docker and the CLI).</summary>
public sealed class FramesOptions
{
    /// <summary>An Npgsql connection string: set, the store is that PostgreSQL database (shared by every instance);
    /// unset, the SQLite file at <see cref="DatabasePath"/>.</summary>
    [ConfigurationKeyName("FRAMES_POSTGRES")] public string? PostgresConnectionString { get; set; }
    [ConfigurationKeyName("FRAMES_DB_PATH")] public string DatabasePath { get; set; } = Path.Combine("data", "frames.db");
    [ConfigurationKeyName("FRAMES_TARGET_WIDTH")] public int TargetWidth { get; set; } = 150;
    [ConfigurationKeyName("FRAMES_RESAMPLER")] public Resampler Resampler { get; set; } = Resampler.Area;
    /// <summary>How the physical values of DLIS image channels become greys: histogram equalisation over the
    /// whole channel (a static image) or its min..max spread linearly.</summary>
    [ConfigurationKeyName("FRAMES_NORMALIZE")] public Normalize.NormalizationKind Normalize { get; set; } = ImageFrames.Normalize.NormalizationKind.Equalize;
    /// <summary>With FRAMES_NORMALIZE=linear: "LOW,HIGH" percentiles spread over the greys instead of min..max,
    /// so a few extreme samples (a spike, a stuck button) do not flatten the rest of the image.</summary>
    [ConfigurationKeyName("FRAMES_NORMALIZE_CLIP")] public string? NormalizeClip { get; set; }

    /// <summary><see cref="NormalizeClip"/> read as percentiles; null when unset (min..max) or invalid.</summary>
    public (double Low, double High)? ClipPercent()
    {
        var parts = NormalizeClip?.Split(',');
        if (parts is not [var low, var high]) return null;
        var style = System.Globalization.NumberStyles.Float;
        return double.TryParse(low, style, System.Globalization.CultureInfo.InvariantCulture, out var l) && double.TryParse(high, style, System.Globalization.CultureInfo.InvariantCulture, out var h)
               && l >= 0 && l < h && h <= 100 ? (l, h) : null;
    }
    /// <summary>The colour pictures draw absent samples in (RRGGBB), whatever the colour map.</summary>
    [ConfigurationKeyName("FRAMES_NO_DATA_COLOR")] public string NoDataColor { get; set; } = "ff00ff";
    [ConfigurationKeyName("FRAMES_INPUT_CONTAINER")] public string InputContainer { get; set; } = "frames-input";
    [ConfigurationKeyName("FRAMES_CHUNK_SIZE")] public int ChunkSize { get; set; } = 4096;
    [ConfigurationKeyName("FRAMES_MAX_CSV_BYTES")] public long MaxCsvBytes { get; set; } = 4L << 30;
    [ConfigurationKeyName("FRAMES_MAX_COLUMNS")] public int MaxColumns { get; set; } = 10_000;
    [ConfigurationKeyName("FRAMES_MAX_ROWS")] public int MaxRows { get; set; } = 10_000_000;
    [ConfigurationKeyName("FRAMES_BUSY_TIMEOUT_SECONDS")] public int BusyTimeoutSeconds { get; set; } = 600;
    /// <summary>An ingest whose heartbeat (renewed with every batch) is older than this is taken for dead: its
    /// version is removed at start-up and by the reconcile sweep.</summary>
    [ConfigurationKeyName("FRAMES_ABANDONED_AFTER_SECONDS")] public int AbandonedAfterSeconds { get; set; } = 900;
    [ConfigurationKeyName("FRAMES_CACHE_MAX_BYTES")] public long CacheMaxBytes { get; set; } = 64L << 20;
    [ConfigurationKeyName("FRAMES_MAX_IMAGE_PIXELS")] public long MaxImagePixels { get; set; } = 150L * 200_000;
    /// <summary>Read by the host for the reconcile timer's schedule (NCRONTAB); bound here so it is validated and documented.</summary>
    [ConfigurationKeyName("FRAMES_BACKUP_CONTAINER")] public string BackupContainer { get; set; } = "frames-backups";
    [ConfigurationKeyName("FRAMES_BACKUP_KEEP")] public int BackupKeep { get; set; } = 7;
    /// <summary>Read by the Functions host for the backup timer; validated here so a typo stops start-up by name.</summary>
    [ConfigurationKeyName("FRAMES_BACKUP_SCHEDULE")] public string? BackupSchedule { get; set; }
    [ConfigurationKeyName("FRAMES_RECONCILE_SCHEDULE")] public string ReconcileSchedule { get; set; } = "0 */5 * * * *";
    /// <summary>Other origins whose pages may read the public routes (<see cref="Serve.CorsPolicy"/>); empty: same-origin only.</summary>
    [ConfigurationKeyName("FRAMES_CORS_ORIGINS")] public string? CorsOrigins { get; set; }
    /// <summary>Tokens a second each client gets for the public routes (<see cref="Serve.ClientRateLimiter"/>); 0: no limit.</summary>
    [ConfigurationKeyName("FRAMES_RATE_LIMIT")] public int RateLimit { get; set; }
    [ConfigurationKeyName("FRAMES_RATE_BURST")] public int RateBurst { get; set; } = 40;
    /// <summary>Proxies in front of the worker whose X-Forwarded-For entries are believed (the Functions host is one).</summary>
    [ConfigurationKeyName("FRAMES_TRUSTED_PROXIES")] public int TrustedProxies { get; set; } = 1;
    [ConfigurationKeyName("ADMIN_TOKEN")] public string? AdminToken { get; set; }

    /// <summary>Whether <c>/api/metrics</c> answers without the admin token: only for a private network, where
    /// the scraper is the only other party.</summary>
    [ConfigurationKeyName("FRAMES_METRICS_OPEN")] public bool MetricsOpen { get; set; }

    /// <summary>The colour table of a picture of <paramref name="dataset"/>: its absent grey, if it has one,
    /// drawn in <see cref="NoDataColor"/>.</summary>
    public SixLabors.ImageSharp.PixelFormats.Rgb24[] TableFor(Store.DatasetInfo dataset, SixLabors.ImageSharp.PixelFormats.Rgb24[] table) =>
        Render.DatasetValues.Of(dataset) is { } values && Render.ColorMap.TryParseHex(NoDataColor, out var noData) ? values.WithNoData(table, noData) : table;

    /// <summary>Bytes of one batch handed from the parser to the writer (rows × stored width); three are in flight.</summary>
    public const long MaxBatchBytes = 64L << 20;
    /// <summary>Pixels one picture may hold: the window is one byte array, and its colour image three times that.</summary>
    public const long MaxImagePixelsLimit = 500_000_000;

    /// <summary>A shorter admin token could be guessed; the admin routes stay off (403) while none is set.</summary>
    public const int MinAdminTokenLength = 32;

    /// <summary>Binds from configuration; throws <see cref="OptionsValidationException"/> listing every bad setting.</summary>
    public static FramesOptions From(IConfiguration configuration)
    {
        var options = new FramesOptions();
        Bind(configuration, options);
        var failures = new Validator().Validate(null, options);
        if (failures.Failed) throw new OptionsValidationException("FramesOptions", typeof(FramesOptions), failures.Failures);
        return options;
    }

    /// <summary>Reads the settings into <paramref name="options"/>; a value of the wrong type (<c>FRAMES_RATE_LIMIT=fast</c>)
    /// is refused like an out-of-range one, naming the setting, instead of escaping as the binder's exception.</summary>
    public static void Bind(IConfiguration configuration, FramesOptions options)
    {
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException e) when (e.InnerException is FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            throw new OptionsValidationException(nameof(FramesOptions), typeof(FramesOptions), [e.Message]);
        }
    }

    public sealed class Validator : IValidateOptions<FramesOptions>
    {
        public ValidateOptionsResult Validate(string? name, FramesOptions o)
        {
            var errors = new List<string>();
            if (string.IsNullOrWhiteSpace(o.DatabasePath)) errors.Add("FRAMES_DB_PATH must name a file.");
            if (!string.IsNullOrWhiteSpace(o.PostgresConnectionString) && PostgresSettingError(o.PostgresConnectionString) is { } postgres) errors.Add(postgres);
            if (o.TargetWidth is < 1 or > 4096) errors.Add($"FRAMES_TARGET_WIDTH must be 1..4096, was {o.TargetWidth}.");
            if (!Enum.IsDefined(o.Resampler)) errors.Add($"FRAMES_RESAMPLER must be one of {string.Join(", ", Enum.GetNames<Resampler>())}.");
            if (o.Normalize is not (ImageFrames.Normalize.NormalizationKind.Equalize or ImageFrames.Normalize.NormalizationKind.Linear))
                errors.Add($"FRAMES_NORMALIZE must be equalize or linear, was {o.Normalize}.");
            if (!string.IsNullOrWhiteSpace(o.NormalizeClip) && o.ClipPercent() is null)
                errors.Add($"FRAMES_NORMALIZE_CLIP must be LOW,HIGH percentiles with 0 <= LOW < HIGH <= 100 (e.g. 2,98), was '{o.NormalizeClip}'.");
            else if (o.ClipPercent() is not null && o.Normalize != ImageFrames.Normalize.NormalizationKind.Linear)
                errors.Add($"FRAMES_NORMALIZE_CLIP applies to FRAMES_NORMALIZE=linear only, but FRAMES_NORMALIZE is {o.Normalize.ToString().ToLowerInvariant()}.");
            if (!Render.ColorMap.TryParseHex(o.NoDataColor, out _)) errors.Add($"FRAMES_NO_DATA_COLOR must be a colour as RRGGBB (e.g. ff00ff), was '{o.NoDataColor}'.");
            if (string.IsNullOrWhiteSpace(o.InputContainer)) errors.Add("FRAMES_INPUT_CONTAINER must name a blob container.");
            if (o.ChunkSize is < 1 or > 1_000_000) errors.Add($"FRAMES_CHUNK_SIZE must be 1..1000000, was {o.ChunkSize}.");
            else if ((long)o.ChunkSize * o.TargetWidth > MaxBatchBytes)
                errors.Add($"FRAMES_CHUNK_SIZE × FRAMES_TARGET_WIDTH must be at most {MaxBatchBytes} bytes per batch, was {o.ChunkSize} × {o.TargetWidth} = {(long)o.ChunkSize * o.TargetWidth}.");
            if (o.MaxCsvBytes < 1) errors.Add("FRAMES_MAX_CSV_BYTES must be positive.");
            if (o.MaxColumns is < 1 or > 100_000) errors.Add($"FRAMES_MAX_COLUMNS must be 1..100000, was {o.MaxColumns}.");
            if (o.MaxRows < 1) errors.Add("FRAMES_MAX_ROWS must be positive.");
            if (o.BusyTimeoutSeconds is < 1 or > 86_400) errors.Add($"FRAMES_BUSY_TIMEOUT_SECONDS must be 1..86400, was {o.BusyTimeoutSeconds}.");
            if (o.AbandonedAfterSeconds is < 60 or > 604_800) errors.Add($"FRAMES_ABANDONED_AFTER_SECONDS must be 60..604800, was {o.AbandonedAfterSeconds}.");
            if (o.CacheMaxBytes < 0) errors.Add("FRAMES_CACHE_MAX_BYTES must be zero (off) or positive.");
            if (Serve.CorsPolicy.Error(o.CorsOrigins) is { } cors) errors.Add(cors);
            if (o.RateLimit is < 0 or > 1_000_000) errors.Add($"FRAMES_RATE_LIMIT must be 0 (no limit) to 1000000 requests a second per client, was {o.RateLimit}.");
            if (o.RateLimit > 0 && o.RateBurst is < Serve.ClientRateLimiter.HeavyCost or > 10_000_000)
                errors.Add($"FRAMES_RATE_BURST must be {Serve.ClientRateLimiter.HeavyCost} (a picture's cost) to 10000000, was {o.RateBurst}.");
            if (o.TrustedProxies is < 0 or > 16) errors.Add($"FRAMES_TRUSTED_PROXIES must be 0..16, was {o.TrustedProxies}.");
            if (string.IsNullOrWhiteSpace(o.BackupContainer)) errors.Add("FRAMES_BACKUP_CONTAINER must name a blob container.");
            if (o.BackupKeep is < 1 or > 10_000) errors.Add($"FRAMES_BACKUP_KEEP must be 1..10000, was {o.BackupKeep}.");
            if (!string.IsNullOrWhiteSpace(o.BackupSchedule) && o.BackupSchedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 6)
                errors.Add($"FRAMES_BACKUP_SCHEDULE must be a six-field NCRONTAB expression (e.g. 0 30 2 * * * for 02:30 daily), was '{o.BackupSchedule}'.");
            if (o.ReconcileSchedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 6)
                errors.Add($"FRAMES_RECONCILE_SCHEDULE must be a six-field NCRONTAB expression, was '{o.ReconcileSchedule}'.");
            if (!string.IsNullOrEmpty(o.AdminToken) && o.AdminToken.Length < MinAdminTokenLength)
                errors.Add($"ADMIN_TOKEN must be at least {MinAdminTokenLength} characters (e.g. openssl rand -hex 32), was {o.AdminToken.Length}; leave it unset to keep the admin routes off.");
            if (o.MaxImagePixels < o.TargetWidth || o.MaxImagePixels > MaxImagePixelsLimit)
                errors.Add($"FRAMES_MAX_IMAGE_PIXELS must be {o.TargetWidth} (one row) ..{MaxImagePixelsLimit}, was {o.MaxImagePixels}.");
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }

        /// <summary>What is wrong with a connection string, naming keywords but never echoing values (one may be a password).</summary>
        private static string? PostgresSettingError(string value)
        {
            Npgsql.NpgsqlConnectionStringBuilder builder;
            try
            {
                builder = new Npgsql.NpgsqlConnectionStringBuilder(value);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                var keyword = (e as ArgumentException)?.ParamName;
                return "FRAMES_POSTGRES is not a valid Npgsql connection string" + (keyword is null ? "" : $" (the '{keyword}' keyword)") +
                       ": expected e.g. Host=db.example.com;Database=frames;Username=frames;Password=…";
            }
            return string.IsNullOrWhiteSpace(builder.Host) ? "FRAMES_POSTGRES must name a Host (e.g. Host=localhost;Database=frames;Username=frames)." : null;
        }
    }
}
