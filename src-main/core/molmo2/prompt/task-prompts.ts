// The task prompts Molmo2 was fine-tuned with (data_formatter.py GENERAL_PROMPTS_V1) and their style rules:
// styles in the template's DEMO_STYLES get no prefix; any other style is written "{style}: {text}" by the template.

export type Task =
  | { kind: 'caption'; length?: 'long' | 'short' }
  | { kind: 'qa'; question: string; academic?: boolean }
  | { kind: 'point'; label: string }
  | { kind: 'count'; label: string }
  | { kind: 'track'; label: string; fps?: number }
  | { kind: 'multi-image-point'; label: string; images?: number[] };

export type Media = 'image' | 'multi-image' | 'video' | 'text';

/** The user text and style (or none) for a task; the style goes on the text part so the template applies it. */
export function taskPrompt(task: Task, media: Media): { text: string; style?: string } {
  const video = media === 'video';
  const thing = video ? 'video' : 'image';
  switch (task.kind) {
    case 'caption':
      return task.length === 'short'
        ? {
            text: video ? 'Briefly describe the video.' : 'Briefly describe the image.',
            style: video ? 'video_short_caption' : 'short_caption',
          }
        : { text: `Describe this ${thing}.`, style: video ? 'video_long_caption' : 'long_caption' };
    case 'qa':
      // Academic short answers use a style the template turns into a "vqa2: " / "video_short_answer: " prefix.
      return task.academic
        ? { text: task.question, style: video ? 'video_short_answer' : 'vqa2' }
        : { text: task.question };
    case 'point':
      return {
        text: `Point to ${task.label.toLowerCase()}\nPlease say 'There are none.' if it is not in the ${thing}.`,
        style: video ? 'video_point' : 'pointing',
      };
    case 'count':
      return video
        ? { text: `How many "${task.label.toLowerCase()}" are there in the video?`, style: 'video_point_count' }
        : { text: `How many ${task.label.toLowerCase()} are there?`, style: 'point_count' };
    case 'track':
      return {
        text:
          task.fps === undefined || task.fps === 2
            ? `Track ${task.label.toLowerCase()}.`
            : `Track ${task.label.toLowerCase()} in ${task.fps} FPS.`,
        style: 'video_point_track_per_frame',
      };
    case 'multi-image-point': {
      const sel = task.images && task.images.length ? task.images.map((i) => `image_${i}`).join(', ') : 'all images';
      return { text: `Point to ${task.label.toLowerCase()} in ${sel}.`, style: 'multi_image_pointing' };
    }
  }
}
