// index-bench: cosine top-1 over N × 384 vectors with Tollgate's BLAS index (being written).
import TollgateCore
print("index-bench: not written yet")
