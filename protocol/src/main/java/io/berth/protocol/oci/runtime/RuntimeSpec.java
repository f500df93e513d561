package io.berth.protocol.oci.runtime;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import java.util.Map;

/**
 * A bundle's {@code config.json}, OCI runtime-spec 1.0 to 1.3, Linux parts.
 *
 * <p>Every record mirrors the JSON field names exactly, so Jackson maps it without annotations. Every field
 * is nullable: absent in the document means {@code null} here, and defaults are applied by the runtime, not
 * by the model. Fields the spec types as {@code uint64} are Java {@code long}s holding the unsigned bits
 * ({@code RLIM_INFINITY} is {@code -1L}); use {@link Long#compareUnsigned} and {@link Long#toUnsignedString}
 * on them. Parse and validate through {@link RuntimeSpecs#parse}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RuntimeSpec(
        String ociVersion,
        Process process,
        Root root,
        String hostname,
        String domainname,
        List<Mount> mounts,
        Hooks hooks,
        Map<String, String> annotations,
        Linux linux) {

    /** The container's process, or one started by {@code exec}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Process(
            Boolean terminal,
            ConsoleSize consoleSize,
            User user,
            List<String> args,
            String commandLine,
            List<String> env,
            String cwd,
            Capabilities capabilities,
            List<Rlimit> rlimits,
            Boolean noNewPrivileges,
            String apparmorProfile,
            Integer oomScoreAdj,
            String selinuxLabel) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ConsoleSize(Integer height, Integer width) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record User(Long uid, Long gid, Integer umask, List<Long> additionalGids, String username) {}

    /** The five capability sets, each a list of names such as {@code CAP_KILL}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Capabilities(
            List<String> bounding,
            List<String> effective,
            List<String> inheritable,
            List<String> permitted,
            List<String> ambient) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Rlimit(
            String type,
            @JsonSerialize(using = UnsignedLong.Serializer.class) @JsonDeserialize(using = UnsignedLong.Deserializer.class)
            Long hard,
            @JsonSerialize(using = UnsignedLong.Serializer.class) @JsonDeserialize(using = UnsignedLong.Deserializer.class)
            Long soft) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Root(String path, Boolean readonly) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Mount(
            String destination,
            String type,
            String source,
            List<String> options,
            List<IdMapping> uidMappings,
            List<IdMapping> gidMappings) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Hooks(
            List<Hook> prestart,
            List<Hook> createRuntime,
            List<Hook> createContainer,
            List<Hook> startContainer,
            List<Hook> poststart,
            List<Hook> poststop) {}

    /** A hook: {@code timeout} is in seconds. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Linux(
            List<IdMapping> uidMappings,
            List<IdMapping> gidMappings,
            Map<String, String> sysctl,
            Resources resources,
            String cgroupsPath,
            List<Namespace> namespaces,
            List<Device> devices,
            Seccomp seccomp,
            String rootfsPropagation,
            List<String> maskedPaths,
            List<String> readonlyPaths,
            String mountLabel,
            Personality personality) {}

    /** A namespace to create ({@code path} null) or to join ({@code path} set). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Namespace(String type, String path) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record IdMapping(
            @JsonProperty("containerID") Long containerID,
            @JsonProperty("hostID") Long hostID,
            Long size) {}

    /** A device node to create in the container: {@code type} is c, b, u or p. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Device(String type, String path, Long major, Long minor, Integer fileMode, Long uid, Long gid) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Resources(
            List<DeviceRule> devices,
            Memory memory,
            Cpu cpu,
            Pids pids,
            @JsonProperty("blockIO") BlockIo blockIO,
            List<HugepageLimit> hugepageLimits,
            Network network,
            Map<String, Rdma> rdma,
            Map<String, String> unified) {}

    /** A device cgroup rule: {@code type} is a, c or b; {@code access} a subset of "rwm"; null major/minor is any. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DeviceRule(Boolean allow, String type, Long major, Long minor, String access) {}

    /** Memory limits in bytes; -1 is unlimited. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Memory(
            Long limit,
            Long reservation,
            Long swap,
            Long kernel,
            @JsonProperty("kernelTCP") Long kernelTCP,
            @JsonSerialize(using = UnsignedLong.Serializer.class) @JsonDeserialize(using = UnsignedLong.Deserializer.class)
            Long swappiness,
            @JsonProperty("disableOOMKiller") Boolean disableOOMKiller,
            Boolean useHierarchy,
            Boolean checkBeforeUpdate) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Cpu(
            @JsonSerialize(using = UnsignedLong.Serializer.class) @JsonDeserialize(using = UnsignedLong.Deserializer.class)
            Long shares,
            Long quota,
            @JsonSerialize(using = UnsignedLong.Serializer.class) @JsonDeserialize(using = UnsignedLong.Deserializer.class)
            Long burst,
            @JsonSerialize(using = UnsignedLong.Serializer.class) @JsonDeserialize(using = UnsignedLong.Deserializer.class)
            Long period,
            Long realtimeRuntime,
            @JsonSerialize(using = UnsignedLong.Serializer.class) @JsonDeserialize(using = UnsignedLong.Deserializer.class)
            Long realtimePeriod,
            String cpus,
            String mems,
            Long idle) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Pids(Long limit) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BlockIo(
            Integer weight,
            Integer leafWeight,
            List<WeightDevice> weightDevice,
            List<ThrottleDevice> throttleReadBpsDevice,
            List<ThrottleDevice> throttleWriteBpsDevice,
            @JsonProperty("throttleReadIOPSDevice") List<ThrottleDevice> throttleReadIOPSDevice,
            @JsonProperty("throttleWriteIOPSDevice") List<ThrottleDevice> throttleWriteIOPSDevice) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WeightDevice(Long major, Long minor, Integer weight, Integer leafWeight) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ThrottleDevice(
            Long major,
            Long minor,
            @JsonSerialize(using = UnsignedLong.Serializer.class) @JsonDeserialize(using = UnsignedLong.Deserializer.class)
            Long rate) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HugepageLimit(String pageSize, @JsonSerialize(using = UnsignedLong.Serializer.class)
            @JsonDeserialize(using = UnsignedLong.Deserializer.class) Long limit) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Network(@JsonProperty("classID") Long classID, List<InterfacePriority> priorities) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InterfacePriority(String name, Integer priority) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Rdma(Integer hcaHandles, Integer hcaObjects) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Seccomp(
            String defaultAction,
            Integer defaultErrnoRet,
            List<String> architectures,
            List<String> flags,
            String listenerPath,
            String listenerMetadata,
            List<Syscall> syscalls) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Syscall(List<String> names, String action, Integer errnoRet, List<SeccompArg> args) {}

    /** An argument comparison; {@code value} and {@code valueTwo} are uint64 bits. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SeccompArg(
            Integer index,
            @JsonSerialize(using = UnsignedLong.Serializer.class) @JsonDeserialize(using = UnsignedLong.Deserializer.class)
            Long value,
            @JsonSerialize(using = UnsignedLong.Serializer.class) @JsonDeserialize(using = UnsignedLong.Deserializer.class)
            Long valueTwo,
            String op) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Personality(String domain, List<String> flags) {}
}
