using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>
/// Picks in both stores: stored all or none on a dataset that exists, listed by depth range and kind, edited and
/// deleted by id within their dataset only; tied to depths, so a re-ingest that publishes a new version keeps
/// them, and deleting the dataset deletes them.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PickStoreTests(PostgresFixture server)
{
    public static TheoryData<string> Stores => TempDatabase.StoreKinds;

    private static readonly DateTimeOffset Now = new(2026, 12, 3, 4, 0, 0, TimeSpan.Zero);

    private Task<TempDatabase> OpenAsync(string store) => TempDatabase.OfKindAsync(store, server);

    [Theory, MemberData(nameof(Stores))]
    public async Task PicksAreStoredListedEditedAndDeleted(string store)
    {
        using var db = await OpenAsync(store);
        await db.IngestTextAsync(Csv.Of(8, ("100", 10), ("200", 20), ("300", 30)), "well");
        Assert.Null(db.Store.AddPicks("nowhere", [new NewPick(150, 10, 20, "bed")], Now));

        var added = db.Store.AddPicks("well", [
            new NewPick(250, 35.5, 120, "fracture-open", "auto", "F1", 0.8, 0.01),
            new NewPick(150, 10, 20, "bed"),
        ], Now)!;
        Assert.Equal(2, added.Count);
        Assert.NotEqual(added[0].Id, added[1].Id);
        Assert.Equal(new Pick(added[0].Id, "well", 250, 35.5, 120, "fracture-open", "auto", "F1", 0.8, 0.01, Now), added[0]);

        Assert.Equal([150.0, 250.0], db.Store.ListPicks("well", DepthRange.All)!.Select(p => p.Depth));
        Assert.Equal([250.0], db.Store.ListPicks("well", new DepthRange(200, null))!.Select(p => p.Depth));
        Assert.Equal([150.0], db.Store.ListPicks("well", DepthRange.All, "bed")!.Select(p => p.Depth));
        Assert.Null(db.Store.ListPicks("nowhere", DepthRange.All));

        var edited = db.Store.UpdatePick("well", added[1].Id, new NewPick(160, 12, 25, "fault", Label: "moved"))!;
        Assert.Equal((160.0, 12.0, 25.0, "fault", "moved", Now), (edited.Depth, edited.Dip, edited.Azimuth, edited.Kind, edited.Label, edited.CreatedAt));
        Assert.Null(db.Store.UpdatePick("other", added[1].Id, new NewPick(1, 1, 1, "bed"))); // another dataset's id is not found

        Assert.False(db.Store.DeletePick("other", added[0].Id));
        Assert.True(db.Store.DeletePick("well", added[0].Id));
        Assert.False(db.Store.DeletePick("well", added[0].Id));
        Assert.Equal([160.0], db.Store.ListPicks("well", DepthRange.All)!.Select(p => p.Depth));
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task PicksOutliveANewVersionAndGoWithTheDataset(string store)
    {
        using var db = await OpenAsync(store);
        await db.IngestTextAsync(Csv.Of(8, ("100", 10), ("200", 20)), "well");
        db.Store.AddPicks("well", [new NewPick(150, 10, 20, "bed")], Now);
        await db.IngestTextAsync(Csv.Of(8, ("100", 11), ("200", 21), ("300", 31)), "well"); // a new version
        Assert.Single(db.Store.ListPicks("well", DepthRange.All)!);

        Assert.True(db.Store.DeleteDataset("well"));
        await db.IngestTextAsync(Csv.Of(8, ("100", 10)), "well"); // the same name again starts with none
        Assert.Empty(db.Store.ListPicks("well", DepthRange.All)!);
    }
}
