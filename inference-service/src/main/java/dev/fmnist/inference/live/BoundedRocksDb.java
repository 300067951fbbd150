package dev.fmnist.inference.live;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the native memory of the processor's RocksDB stores: every store of the process shares one
 * block cache, which also holds their memtables, index and filter blocks. Left to Kafka Streams'
 * defaults each store of each partition takes a cache and memtables of its own (tens of stores, each
 * up to about 100 MB), beside models the replica must keep room for.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {

    /** Blocks, indexes and filters of every store together. */
    static final long CACHE_BYTES = 32L * 1024 * 1024;
    /** Memtables of every store together, charged to the same cache. */
    static final long MEMTABLES_BYTES = 16L * 1024 * 1024;
    private static final long MEMTABLE_BYTES = 4L * 1024 * 1024;

    // one of each per process, for every store: never closed, they live as long as the stores may
    private static final Cache CACHE = new LRUCache(CACHE_BYTES, -1, false, 0.1);
    private static final WriteBufferManager MEMTABLES = new WriteBufferManager(MEMTABLES_BYTES, CACHE);

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(CACHE);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(MEMTABLES);
        options.setWriteBufferSize(MEMTABLE_BYTES);
        options.setMaxWriteBufferNumber(2);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write buffer manager are shared by every store: not closed with one
    }
}
