using System.Data;
using System.Data.Common;

namespace ImageFrames.Store;

/// <summary>
/// The few ADO.NET shortcuts both stores' shared SQL uses. Parameters are named <c>@name</c> (SQLite and Npgsql
/// both accept it) and always typed, since PostgreSQL cannot infer the type of a null.
/// </summary>
internal static class Db
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? tx = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return command;
    }

    public static DbParameter Add(this DbCommand command, string name, DbType type, object? value = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public static DbCommand With(this DbCommand command, string name, string? value) => Set(command, name, DbType.String, value);
    public static DbCommand With(this DbCommand command, string name, long value) => Set(command, name, DbType.Int64, value);
    public static DbCommand With(this DbCommand command, string name, int value) => Set(command, name, DbType.Int32, value);
    public static DbCommand With(this DbCommand command, string name, long? value) => Set(command, name, DbType.Int64, value);
    public static DbCommand With(this DbCommand command, string name, int? value) => Set(command, name, DbType.Int32, value);
    public static DbCommand With(this DbCommand command, string name, double value) => Set(command, name, DbType.Double, value);
    public static DbCommand With(this DbCommand command, string name, byte[]? value) => Set(command, name, DbType.Binary, value);

    private static DbCommand Set(DbCommand command, string name, DbType type, object? value)
    {
        command.Add(name, type, value);
        return command;
    }

    public static int Execute(this DbConnection connection, string sql, DbTransaction? tx = null)
    {
        using var command = connection.Command(sql, tx);
        return command.ExecuteNonQuery();
    }

    public static int? NullableInt32(this DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt32(i);
    public static long? NullableInt64(this DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
    public static string? NullableString(this DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
