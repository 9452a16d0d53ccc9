// The write of one Service's announced summary, as an RFC 6902 JSON patch conditioned on what it
// replaces. Every replica writes the same annotation: a `test` of the value read (or, when there is
// none yet, of the resourceVersion read) makes the API server refuse the patch (422) if another
// replica changed it in between, so no replica's row is ever lost; the writer then re-reads and
// merges again. Unlike a resourceVersion precondition on every write, writes to the rest of the
// Service (status, labels, other annotations) do not make this one fail. Pure.
import { ANNOTATION_ANNOUNCED } from '../../api/announced.ts';
import type { JsonPatchOp } from '../../kube/index.ts';

/** What the patch is computed from: the annotations and resourceVersion as read. */
export interface AnnotatedView {
  annotations: Readonly<Record<string, string>> | undefined;
  resourceVersion: string | undefined;
}

const ANNOTATIONS_PATH = '/metadata/annotations';
/** JSON pointer of the annotation ('/' in the key is '~1', RFC 6901). */
export const ANNOUNCED_PATH = `${ANNOTATIONS_PATH}/${ANNOTATION_ANNOUNCED.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** The patch that turns the annotation into `next` (undefined: removed); undefined when it already is. */
export function announcedPatch(cur: AnnotatedView, next: string | undefined): JsonPatchOp[] | undefined {
  const have = cur.annotations?.[ANNOTATION_ANNOUNCED];
  if (have === next) return undefined;
  if (have !== undefined) {
    const test: JsonPatchOp = { op: 'test', path: ANNOUNCED_PATH, value: have };
    return next === undefined
      ? [test, { op: 'remove', path: ANNOUNCED_PATH }]
      : [test, { op: 'replace', path: ANNOUNCED_PATH, value: next }];
  }
  const ops: JsonPatchOp[] = [];
  if (cur.resourceVersion !== undefined)
    ops.push({ op: 'test', path: '/metadata/resourceVersion', value: cur.resourceVersion });
  ops.push(
    cur.annotations === undefined
      ? { op: 'add', path: ANNOTATIONS_PATH, value: { [ANNOTATION_ANNOUNCED]: next } }
      : { op: 'add', path: ANNOUNCED_PATH, value: next },
  );
  return ops;
}
