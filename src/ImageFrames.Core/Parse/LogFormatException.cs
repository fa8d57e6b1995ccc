namespace ImageFrames.Parse;

/// <summary>The bytes are not a log file (DLIS, LAS) this service can read. Not transient: the same bytes fail the
/// same way. The message says where (byte offset and record, or line and column) and what was expected.</summary>
public abstract class LogFormatException(string message) : Exception(message);
