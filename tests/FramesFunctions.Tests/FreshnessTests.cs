using ImageFrames.Serve;
using Microsoft.AspNetCore.Http;

namespace ImageFrames.Tests;

/// <summary>
/// A repeated request (JSON window, picture) is answered from the cache without a database trip, on both stores;
/// and once another process has published — SQLite: committed; PostgreSQL: notified — the next request answers the
/// new version.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FreshnessTests(PostgresFixture server)
{
    public static TheoryData<string> Stores => TempDatabase.StoreKinds;

    private Task<TempDatabase> OpenAsync(string store) => TempDatabase.OfKindAsync(store, server);

    private static FramesApi Api(TempDatabase db) => new(db.Store, db.Ingest, new ResponseCache(db.Options, db.Store), new RenderGate(), db.Options);

    private static QueryCollection Query(string text) => new(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(text));

    /// <summary>PostgreSQL's watch listens on a task of its own: until it listens, every stamp is new.</summary>
    private static async Task UntilWatchingAsync(TempDatabase db)
    {
        for (var i = 0; i < 100 && db.Store.ChangeStamp() != db.Store.ChangeStamp(); i++) await Task.Delay(50);
        Assert.Equal(db.Store.ChangeStamp(), db.Store.ChangeStamp());
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task ACachedAnswerTakesNoDatabaseTrip(string store)
    {
        using var db = await OpenAsync(store);
        await db.IngestTextAsync(Csv.Of(150, ("1", 10), ("2", 20)), "warm");
        var api = Api(db);
        await UntilWatchingAsync(db);
        api.Frames(Query("dataset=warm&limit=100"));
        api.FramesImage(Query("dataset=warm&colormap=viridis"));
        var opened = db.Store.ConnectionsOpened;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(200, api.Frames(Query("dataset=warm&limit=100")).Status);
            Assert.Equal(200, api.FramesImage(Query("dataset=warm&colormap=viridis")).Status);
        }
        Assert.Equal(opened, db.Store.ConnectionsOpened);
    }

    /// <summary>Another process (the CLI) publishes; this process was told nothing directly. SQLite: the next
    /// request sees the file's data version changed; PostgreSQL: once the publish's notification has arrived.</summary>
    [Theory, MemberData(nameof(Stores))]
    public async Task AnotherProcesssPublishIsServedOnceItIsVisible(string store)
    {
        using var db = await OpenAsync(store);
        await db.IngestTextAsync(Csv.Of(150, ("1", 10), ("2", 10)), "shared");
        var api = Api(db);
        await UntilWatchingAsync(db);
        var before = api.Frames(Query("dataset=shared"));
        var picture = api.FramesImage(Query("dataset=shared"));
        Assert.Equal(before.Body, api.Frames(Query("dataset=shared")).Body); // cached

        var stamp = db.Store.ChangeStamp();
        var csv = Path.Combine(db.Folder, "v2.csv");
        await File.WriteAllTextAsync(csv, Csv.Of(150, ("1", 20), ("2", 20), ("3", 20)));
        Assert.Equal(0, (await db.RunCliAsync("ingest", csv, "--dataset", "shared")).Exit);
        for (var i = 0; i < 100 && db.Store.ChangeStamp() == stamp; i++) await Task.Delay(50); // PostgreSQL: the notification's way here

        var after = api.Frames(Query("dataset=shared"));
        Assert.Equal(3, System.Text.Json.JsonDocument.Parse(after.Body).RootElement.GetProperty("metadata").GetProperty("total").GetInt32());
        Assert.NotEqual(before.ETag, after.ETag);
        Assert.NotEqual(picture.ETag, api.FramesImage(Query("dataset=shared")).ETag);
    }
}
