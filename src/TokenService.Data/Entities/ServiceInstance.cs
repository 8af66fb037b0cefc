namespace TokenService.Data.Entities;

/// <summary>
/// A running instance of the service, seen through its heartbeat. The number of live instances divides the
/// deployment's rate budgets between them, so that limits hold for the deployment as a whole.
/// </summary>
public sealed class ServiceInstance
{
    /// <summary>Random per process start.</summary>
    public required string Id { get; set; }

    /// <summary>The last heartbeat (Unix milliseconds).</summary>
    public long LastSeen { get; set; }
}
