/**
 * A strict XML 1.0 well-formedness check for report tests (no XML parser is a
 * dependency). It rejects what real parsers reject in generated reports:
 * unbalanced tags, unquoted or duplicate attributes, raw `<` or `&`,
 * unknown entities, characters XML cannot carry. It returns the element
 * tree with entities decoded, so tests can compare values round-trip.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw < in ${where}`);
  return raw.replace(/&([^;]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new Error(`bare & in ${where}`);
    if (body in ENTITIES) return ENTITIES[body]!;
    const num = /^#(\d+)$/.exec(body) ?? /^#x([0-9a-fA-F]+)$/.exec(body);
    if (num) {
      const char = String.fromCodePoint(parseInt(num[1]!, body.startsWith('#x') ? 16 : 10));
      if (!XML_CHAR.test(char)) throw new Error(`character reference to a non-XML character in ${where}`);
      return char;
    }
    throw new Error(`unknown entity &${body}; in ${where}`);
  });
}

export function parseXml(xml: string): XmlElement {
  if (!XML_CHAR.test(xml)) throw new Error('document contains characters XML cannot carry');
  let pos = 0;
  const decl = /^<\?xml[^?]*\?>\s*/.exec(xml);
  if (decl) pos = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    const text = xml.slice(pos, lt === -1 ? xml.length : lt);
    if (text.includes(']]>')) throw new Error('"]]>" in text');
    if (stack.length > 0) stack[stack.length - 1]!.text += decode(text, 'text');
    else if (text.trim() !== '') throw new Error(`text outside the root element: ${JSON.stringify(text)}`);
    if (lt === -1) break;
    const gt = xml.indexOf('>', lt);
    if (gt === -1) throw new Error('unterminated tag');
    const tag = xml.slice(lt + 1, gt);
    pos = gt + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop();
      if (!open || open.name !== tag.slice(1).trim()) throw new Error(`mismatched </${tag.slice(1)}>`);
      if (stack.length === 0) root = open;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    let rest = selfClosing ? tag.slice(0, -1) : tag;
    const name = NAME.exec(rest)?.[0];
    if (!name) throw new Error(`bad tag <${tag}>`);
    rest = rest.slice(name.length);
    const element: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      const attr = /^\s+([A-Za-z_:][A-Za-z0-9_:.-]*)="([^"]*)"|^\s+([A-Za-z_:][A-Za-z0-9_:.-]*)='([^']*)'/.exec(rest);
      if (!attr) break;
      const attrName = attr[1] ?? attr[3]!;
      if (attrName in element.attributes) throw new Error(`duplicate attribute ${attrName}`);
      // Attribute-value normalisation: literal whitespace becomes a space.
      element.attributes[attrName] = decode((attr[2] ?? attr[4]!).replace(/[\t\n\r]/g, ' '), `attribute ${attrName}`);
      rest = rest.slice(attr[0].length);
    }
    if (rest.trim() !== '') throw new Error(`malformed attributes in <${tag}>`);
    if (root) throw new Error('more than one root element');
    if (stack.length > 0) stack[stack.length - 1]!.children.push(element);
    if (selfClosing) {
      if (stack.length === 0) root = element;
    } else {
      stack.push(element);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}
