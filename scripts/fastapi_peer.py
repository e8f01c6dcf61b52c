"""The seeds' stack as the serving peer: FastAPI + uvicorn (one worker)
answering GET /recommend/{user_id} from an in-memory dict of precomputed lists."""
import random
import sys

from fastapi import FastAPI, HTTPException, Query

random.seed(1)
USERS = int(sys.argv[2]) if len(sys.argv) > 2 else 1407580
POPULAR = [{"item_id": i, "score": 1.0 / (k + 1)} for k, i in enumerate(random.sample(range(466_867), 100))]
# Ten precomputed item ids per known visitor, as a batch job would leave them.
PRECOMPUTED = {u: [random.randrange(466_867) for _ in range(10)] for u in range(USERS)}

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/recommend/{user_id}")
def recommend(user_id: int, n: int = Query(5, ge=1, le=100)):
    if user_id < 0:
        raise HTTPException(status_code=400, detail="user_id must be non-negative")
    ids = PRECOMPUTED.get(user_id)
    if ids is None:
        return {"user_id": user_id, "items": POPULAR[:n], "strategy": "popular", "model_version": "peer"}
    items = [{"item_id": i, "score": round(1 - k / 10, 3)} for k, i in enumerate(ids[:n])]
    return {"user_id": user_id, "items": items, "strategy": "precomputed", "model_version": "peer"}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), workers=1, log_level="warning")
