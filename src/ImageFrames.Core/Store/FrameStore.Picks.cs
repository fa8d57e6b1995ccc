using System.Data.Common;

namespace ImageFrames.Store;

/// <summary>A plane to store on a dataset: its true attitude at a depth, what it is, and where it came from.</summary>
public sealed record NewPick(double Depth, double Dip, double Azimuth, string Kind, string Source = "manual",
    string? Label = null, double? Confidence = null, double? Residual = null);

/// <summary>A stored pick: <see cref="NewPick"/> with its id, its dataset and when it was made.</summary>
public sealed record Pick(long Id, string DatasetId, double Depth, double Dip, double Azimuth, string Kind, string Source,
    string? Label, double? Confidence, double? Residual, DateTimeOffset CreatedAt);

public abstract partial class FrameStore
{
    private const string PickColumns = "id, dataset_id, depth, dip, azimuth, kind, source, label, confidence, residual, created_at";

    /// <summary>Stores <paramref name="picks"/> on a dataset, all or none (one transaction); null when the dataset is
    /// not there. The dataset is locked meanwhile, so a delete cannot leave orphans behind.</summary>
    public IReadOnlyList<Pick>? AddPicks(string datasetId, IReadOnlyList<NewPick> picks, DateTimeOffset now)
    {
        using var connection = Open(forWriting: true);
        using var tx = BeginWrite(connection);
        LockDataset(connection, tx, datasetId);
        if (FindDataset(connection, tx, datasetId) is null) return null;
        var stored = new List<Pick>(picks.Count);
        foreach (var pick in picks)
        {
            using var insert = connection.Command($"""
                INSERT INTO picks (dataset_id, depth, dip, azimuth, kind, source, label, confidence, residual, created_at)
                VALUES (@dataset, @depth, @dip, @azimuth, @kind, @source, @label, @confidence, @residual, @created)
                RETURNING {PickColumns}
                """, tx);
            WithTime(WithPick(insert.With("@dataset", datasetId), pick), "@created", now);
            using var reader = insert.ExecuteReader();
            reader.Read();
            stored.Add(ReadPick(reader));
        }
        tx.Commit();
        return stored;
    }

    /// <summary>A dataset's picks in a depth range (and of one kind), by depth; null when the dataset is not there.</summary>
    public IReadOnlyList<Pick>? ListPicks(string datasetId, DepthRange range, string? kind = null)
    {
        using var connection = Open();
        using var tx = BeginRead(connection);
        if (FindDataset(connection, tx, datasetId) is null) return null;
        using var select = connection.Command($"""
            SELECT {PickColumns} FROM picks
            WHERE dataset_id = @dataset AND (@min IS NULL OR depth >= @min) AND (@max IS NULL OR depth <= @max) AND (@kind IS NULL OR kind = @kind)
            ORDER BY depth, id
            """, tx).With("@dataset", datasetId).With("@kind", kind);
        select.Add("@min", System.Data.DbType.Double, range.Min);
        select.Add("@max", System.Data.DbType.Double, range.Max);
        var picks = new List<Pick>();
        using var reader = select.ExecuteReader();
        while (reader.Read()) picks.Add(ReadPick(reader));
        return picks;
    }

    /// <summary>Replaces a pick's fields (its id, dataset and time stay); null when there is no such pick on the dataset.</summary>
    public Pick? UpdatePick(string datasetId, long id, NewPick changed)
    {
        using var connection = Open(forWriting: true);
        using var tx = BeginWrite(connection);
        using var update = connection.Command($"""
            UPDATE picks SET depth = @depth, dip = @dip, azimuth = @azimuth, kind = @kind, source = @source, label = @label,
                confidence = @confidence, residual = @residual
            WHERE dataset_id = @dataset AND id = @id
            RETURNING {PickColumns}
            """, tx);
        WithPick(update.With("@dataset", datasetId).With("@id", id), changed);
        Pick? pick = null;
        using (var reader = update.ExecuteReader())
            if (reader.Read()) pick = ReadPick(reader);
        tx.Commit();
        return pick;
    }

    public bool DeletePick(string datasetId, long id)
    {
        using var connection = Open(forWriting: true);
        using var tx = BeginWrite(connection);
        using var delete = connection.Command("DELETE FROM picks WHERE dataset_id = @dataset AND id = @id", tx).With("@dataset", datasetId).With("@id", id);
        var deleted = delete.ExecuteNonQuery() > 0;
        tx.Commit();
        return deleted;
    }

    private static DbCommand WithPick(DbCommand command, NewPick pick)
    {
        command.With("@depth", pick.Depth).With("@dip", pick.Dip).With("@azimuth", pick.Azimuth).With("@kind", pick.Kind)
            .With("@source", pick.Source).With("@label", pick.Label);
        command.Add("@confidence", System.Data.DbType.Double, pick.Confidence);
        command.Add("@residual", System.Data.DbType.Double, pick.Residual);
        return command;
    }

    private Pick ReadPick(DbDataReader r) => new(r.GetInt64(0), r.GetString(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4),
        r.GetString(5), r.GetString(6), r.NullableString(7), r.IsDBNull(8) ? null : r.GetDouble(8), r.IsDBNull(9) ? null : r.GetDouble(9), ReadTime(r, 10));
}
