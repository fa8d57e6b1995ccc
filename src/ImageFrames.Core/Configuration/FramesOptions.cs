using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ImageFrames.Resize;

namespace ImageFrames.Configuration;

/// <summary>Every setting the service reads, bound from flat environment-style keys (app settings in Azure,
/// <c>local.settings.json</c> under Core Tools, environment variables in Docker and the CLI).</summary>
public sealed class FramesOptions
{
    [ConfigurationKeyName("FRAMES_DB_PATH")] public string DatabasePath { get; set; } = Path.Combine("data", "frames.db");
    [ConfigurationKeyName("FRAMES_TARGET_WIDTH")] public int TargetWidth { get; set; } = 150;
    [ConfigurationKeyName("FRAMES_RESAMPLER")] public Resampler Resampler { get; set; } = Resampler.Area;
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
    [ConfigurationKeyName("FRAMES_RECONCILE_SCHEDULE")] public string ReconcileSchedule { get; set; } = "0 */5 * * * *";
    [ConfigurationKeyName("ADMIN_TOKEN")] public string? AdminToken { get; set; }

    /// <summary>Binds from configuration; throws <see cref="OptionsValidationException"/> listing every bad setting.</summary>
    public static FramesOptions From(IConfiguration configuration)
    {
        var options = configuration.Get<FramesOptions>() ?? new FramesOptions();
        var failures = new Validator().Validate(null, options);
        if (failures.Failed) throw new OptionsValidationException("FramesOptions", typeof(FramesOptions), failures.Failures);
        return options;
    }

    public sealed class Validator : IValidateOptions<FramesOptions>
    {
        public ValidateOptionsResult Validate(string? name, FramesOptions o)
        {
            var errors = new List<string>();
            if (string.IsNullOrWhiteSpace(o.DatabasePath)) errors.Add("FRAMES_DB_PATH must name a file.");
            if (o.TargetWidth is < 1 or > 4096) errors.Add($"FRAMES_TARGET_WIDTH must be 1..4096, was {o.TargetWidth}.");
            if (!Enum.IsDefined(o.Resampler)) errors.Add($"FRAMES_RESAMPLER must be one of {string.Join(", ", Enum.GetNames<Resampler>())}.");
            if (string.IsNullOrWhiteSpace(o.InputContainer)) errors.Add("FRAMES_INPUT_CONTAINER must name a blob container.");
            if (o.ChunkSize is < 1 or > 1_000_000) errors.Add($"FRAMES_CHUNK_SIZE must be 1..1000000, was {o.ChunkSize}.");
            if (o.MaxCsvBytes < 1) errors.Add("FRAMES_MAX_CSV_BYTES must be positive.");
            if (o.MaxColumns < 1) errors.Add("FRAMES_MAX_COLUMNS must be positive.");
            if (o.MaxRows < 1) errors.Add("FRAMES_MAX_ROWS must be positive.");
            if (o.BusyTimeoutSeconds < 1) errors.Add("FRAMES_BUSY_TIMEOUT_SECONDS must be positive.");
            if (o.AbandonedAfterSeconds < 60) errors.Add($"FRAMES_ABANDONED_AFTER_SECONDS must be at least 60, was {o.AbandonedAfterSeconds}.");
            if (o.CacheMaxBytes < 0) errors.Add("FRAMES_CACHE_MAX_BYTES must be zero (off) or positive.");
            if (o.ReconcileSchedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 6)
                errors.Add($"FRAMES_RECONCILE_SCHEDULE must be a six-field NCRONTAB expression, was '{o.ReconcileSchedule}'.");
            if (o.MaxImagePixels < 1) errors.Add("FRAMES_MAX_IMAGE_PIXELS must be positive.");
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
